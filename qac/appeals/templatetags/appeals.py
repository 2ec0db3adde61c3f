"""The appeal panel on the candidate's application page (templates/candidates/application_detail.html).

The candidates app sits upstream and knows nothing of appeals; its page loads this tag
library by name, and the panel reads through the appeals selectors.
"""

from django import template

from qac.appeals import selectors
from qac.appeals.forms import WithdrawForm

register = template.Library()


@register.inclusion_tag("appeals/_application_panel.html", takes_context=True)
def appeal_panel(context, application):
    user = context["request"].user
    state = selectors.can_appeal(application)
    rows = [
        {
            "appeal": a,
            "can_withdraw": "withdraw" in selectors.allowed_actions(a, user),
            "form": WithdrawForm(initial={"version": a.version}),
        }
        for a in state["appeals"]
    ]
    return {"application": application, "state": state, "rows": rows, "csrf_token": context.get("csrf_token")}
