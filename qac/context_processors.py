from django.utils.functional import SimpleLazyObject

from qac.accounts.roles import Role, user_roles
from standards.selectors import center_get


def site(request):
    """The center's identity and the current user's roles, for the base layout.

    Both are lazy, so a page that does not use them pays no query.
    """
    user = getattr(request, "user", None)
    roles = SimpleLazyObject(lambda: {r.value: (r in user_roles(user)) for r in Role})
    return {"center": SimpleLazyObject(center_get), "roles": roles}
