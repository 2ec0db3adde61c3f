"""Candidates' accounts and profiles: sign-up, the e-mail confirmation, the profile and who saw it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _

from qac.accounts.roles import Role, assign_role
from qac.accounts.throttle import over_limit
from qac.enqueue import enqueue

from ..models import CandidateProfile, PersonalDataAccess
from ..selectors import identity_snapshot
from .change_requests import _change_request_record
from .rules import ApplicationError


class _EmailConfirmationTokens(PasswordResetTokenGenerator):
    # A salt of its own, so a sign-up link can never serve as a password-reset link.
    key_salt = "qac.candidates.email-confirmation"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.is_active}{timestamp}{user.email}"


email_confirmation_tokens = _EmailConfirmationTokens()


def candidate_signup(*, email: str, password: str, last_name: str, first_name: str, patronymic: str = ""):
    """Create an inactive candidate account and send the confirmation link after commit.

    The sign-up page must not tell whether an address has an account (OWASP
    ASVS: no account enumeration), so a taken address gets the same answer as
    a new one; instead its owner is told by e-mail that someone tried to
    sign up with it (an unconfirmed account gets its confirmation link again).
    Returns the new user, or None when the address was taken.
    """
    User = get_user_model()
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email,
                    password=password,
                    last_name=last_name,
                    first_name=first_name,
                    patronymic=patronymic,
                    is_active=False,
                )
                assign_role(user, Role.CANDIDATE)
                enqueue("candidates.tasks.send_confirmation_email_task", user.pk)
            return user
        except IntegrityError:
            # Two sign-ups with one address raced past the check; the database kept the first.
            existing = User.objects.filter(email__iexact=email).first()
            if existing is None:
                raise
    else:
        # Hash the password all the same, so a taken address answers as slowly as a new one.
        make_password(password)
    signup_taken_notify(user=existing)
    return None


def signup_taken_notify(*, user) -> None:
    """Tell the owner of an address that someone tried to sign up with it (at most a few mails an hour)."""
    if over_limit("signup-taken-mail", user.email, limit=SIGNUP_TAKEN_MAILS_PER_HOUR, period=3600):
        return
    enqueue("candidates.tasks.signup_taken_notify_task", user.pk)


#: Mails to one address about sign-ups with it, per hour: enough to tell the owner, too few to flood them.
SIGNUP_TAKEN_MAILS_PER_HOUR = 3


def confirmation_link_parts(user) -> tuple[str, str]:
    return urlsafe_base64_encode(force_bytes(user.pk)), email_confirmation_tokens.make_token(user)


def candidate_confirm_email(*, uidb64: str, token: str):
    """Activate the account the link was made for; None if the link is invalid or used."""
    User = get_user_model()
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if user.is_active or not email_confirmation_tokens.check_token(user, token):
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


class SnilsTaken(ApplicationError):
    pass


def snils_taken_message() -> str:
    # Says nothing about the other account: whose it is is personal data too.
    return _(
        "This SNILS is already in another account. One person has one account: if the other account is yours, "
        "ask the center to merge the two."
    )


def profile_save(
    *,
    user,
    names: dict,
    profile_data: dict,
    education_formset=None,
    experience_formset=None,
    supporting_file=None,
):
    """Save the candidate's names, profile and (optionally) the education and experience formsets together.

    The profile changes at once: it is the candidate's own data. A change of identity data
    while an application under way or a certificate holds the old data also opens (or amends)
    an identity change request for the staff, with ``supporting_file`` as its proof; the
    applications keep their submitted copy until the staff approve. A SNILS already in
    another account is refused (``SnilsTaken``), also when two saves race: the partial
    unique constraint decides and its ``IntegrityError`` becomes the same message.
    """
    snils = profile_data.get("snils") or ""
    try:
        with transaction.atomic():
            before = identity_snapshot(user=user)
            for field in ("last_name", "first_name", "patronymic"):
                setattr(user, field, names.get(field, "").strip())
            user.save(update_fields=["last_name", "first_name", "patronymic"])
            profile, _created = CandidateProfile.objects.update_or_create(user=user, defaults=profile_data)
            for formset in (education_formset, experience_formset):
                if formset is not None:
                    formset.instance = profile
                    formset.save()
            if before is not None:
                _change_request_record(
                    user=user, before=before, after=identity_snapshot(user=user), supporting_file=supporting_file
                )
    except IntegrityError:
        if snils and CandidateProfile.objects.filter(snils=snils).exclude(user=user).exists():
            raise SnilsTaken(snils_taken_message()) from None
        raise
    return profile


def profile_missing(user) -> bool:
    return not CandidateProfile.objects.filter(user=user).exists()


# --- Personal data audit -------------------------------------------------------------------


def personal_data_access_record(*, viewer, candidate, what: str, application=None, document=None) -> None:
    PersonalDataAccess.objects.create(
        viewer=viewer, candidate=candidate, what=what, application=application, document=document
    )
