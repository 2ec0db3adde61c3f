"""Access rules for views, by role. Object-level access lives in each app's selectors."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .roles import Role, has_role, is_qac_staff


def _role_required(test):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


#: QAC head or staff; anonymous visitors are sent to log in, other roles get 403.
staff_required = _role_required(is_qac_staff)
#: Candidates only.
candidate_required = _role_required(lambda user: has_role(user, Role.CANDIDATE))
#: Experts only.
expert_required = _role_required(lambda user: has_role(user, Role.EXPERT))
#: The QAC head only.
head_required = _role_required(lambda user: has_role(user, Role.HEAD))
