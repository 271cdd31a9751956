"""People, their roles, and the support teams they form."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from escalade.core.validators import InternationalEmailField
from escalade.orgs.models import Organisation, validate_time_zone


class Role(models.TextChoices):
    """What a person may do. Authorisation decisions live in :mod:`escalade.authz`."""

    REQUESTER = "requester", _("Requester")
    CLIENT_MANAGER = "client_manager", _("Client manager")
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMINISTRATOR = "administrator", _("Administrator")


PROVIDER_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR})


class SupportLevel(models.IntegerChoices):
    """Level 1 takes calls and solves the common cases; levels 2 and 3 take what is escalated."""

    L1 = 1, _("Level 1")
    L2 = 2, _("Level 2")
    L3 = 3, _("Level 3")


class Language(models.TextChoices):
    """The languages Escalade speaks; French is first-class."""

    FRENCH = "fr", "Français"
    ENGLISH = "en", "English"


def default_language() -> str:
    """New people get the installation's default language (``ESCALADE_LANGUAGE``)."""
    return str(settings.LANGUAGE_CODE)


class UserManager(BaseUserManager["User"]):
    """Creates users by e-mail; used by Django's ``createsuperuser`` and by factories."""

    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("an e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        """An administrator in the provider organisation (created if needed)."""
        from escalade.core.actors import Actor  # noqa: PLC0415 - avoid an import cycle at load
        from escalade.orgs.services import provider_organisation  # noqa: PLC0415

        fields.setdefault("role", Role.ADMINISTRATOR)
        fields.setdefault("organisation", provider_organisation(actor=Actor.system("createsuperuser")))
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        """Sign-in is case-insensitive: addresses are stored lower-case."""
        return self.get(email=(username or "").strip().lower())


class User(AbstractBaseUser):
    """A person who signs in with an e-mail address: requester, client staff or provider staff.

    Privileges come from ``role`` alone; ``is_staff`` and ``is_superuser`` are derived from it for
    Django's admin, and every other decision goes through :mod:`escalade.authz`.
    """

    email = InternationalEmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="people",
    )
    site = models.ForeignKey(
        "orgs.Site",
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.REQUESTER)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=default_language
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), auto_now_add=True)

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["full_name"]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ("full_name",)
        indexes = (
            models.Index(fields=("organisation", "full_name"), name="user_org_name_idx"),
            models.Index(fields=("phone",), name="user_phone_idx"),
        )

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_provider_staff(self) -> bool:
        """Agents, supervisors and administrators work for the provider."""
        return self.role in PROVIDER_ROLES

    @property
    def is_staff(self) -> bool:
        """Django admin access: administrators only."""
        return self.is_active and self.role == Role.ADMINISTRATOR

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm: str, obj: object = None) -> bool:
        """Django admin permissions: an active administrator may configure everything."""
        return self.is_staff

    def has_perms(self, perm_list: Any, obj: object = None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff


class Team(models.Model):
    """A group of agents at one support level, serving some organisations."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    support_level = models.PositiveSmallIntegerField(
        _("support level"), choices=SupportLevel.choices, default=SupportLevel.L1
    )
    organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("organisations served"),
        related_name="teams",
        blank=True,
    )
    members = models.ManyToManyField(
        User, verbose_name=_("members"), through="TeamMembership", related_name="teams", blank=True
    )
    email = models.EmailField(_("team e-mail"), blank=True)
    is_auto_assign = models.BooleanField(
        _("assign new tickets automatically"),
        default=False,
        help_text=_("New and escalated tickets go to the least-loaded available member."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ("support_level", "name")

    def __str__(self) -> str:
        return f"{self.name} (N{self.support_level})"


class TeamMembership(models.Model):
    """An agent's place in a team; ``is_lead`` marks the person who plans the team's work."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    is_lead = models.BooleanField(_("team lead"), default=False)
    is_available = models.BooleanField(
        _("available"), default=True, help_text=_("Unavailable members get no automatic assignment.")
    )
    skills: models.JSONField[list[str]] = models.JSONField(
        _("skills"), default=list, blank=True,
        help_text=_("Tags or category names this person is the one to ask about (automatic assignment "
                    "within the team prefers them)."),
    )  # fmt: skip
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = (models.UniqueConstraint(fields=("team", "user"), name="membership_unique"),)

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"
