"""The desk's automation pages at /desk/automation/: supervisors and administrators only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escalade import authz
from escalade.accounts.models import User
from escalade.automation import selectors, services
from escalade.automation.actions import action_describe, action_types
from escalade.automation.conditions import FIELDS, OPERATORS
from escalade.automation.forms import RuleForm, TimeRuleForm, action_rows, condition_rows
from escalade.automation.models import Rule, TimeRule, Trigger
from escalade.automation.templating import template_variables
from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.core.forms import form_error

managers_only = authz.require(authz.can_manage_automation)
BLANK_CONDITIONS = 2
BLANK_ACTIONS = 2


def _actor(request: HttpRequest) -> Actor:
    assert isinstance(request.user, User)
    return Actor.of(request.user)


def _vocabulary() -> dict[str, Any]:
    """What the condition and action rows offer."""
    return {
        "fields": [(key, spec.label) for key, spec in FIELDS.items()],
        "operators": [(key, label) for key, (label, _test) in OPERATORS.items()],
        "action_types": action_types(),
        "variables": template_variables(),
    }


@managers_only
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    """The rules in run order and the time automations."""
    rules_ = list(selectors.rules_list())
    labels = dict(Trigger.choices)
    for rule in rules_:
        rule.described = [action_describe(item) for item in rule.actions]  # type: ignore[attr-defined]
        rule.when = [str(labels.get(t, t)) for t in rule.triggers]  # type: ignore[attr-defined]
    context = {"rules": rules_, "time_rules": selectors.time_rules_list()}
    return render(request, "automation/rules.html", context)


def _rows(request: HttpRequest, rule: Rule | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if request.method == "POST":
        conditions: list[dict[str, Any]] = condition_rows(request.POST)
        actions: list[dict[str, Any]] = action_rows(request.POST)
    else:
        conditions = list(rule.conditions.get("items", [])) if rule else []
        actions = list(rule.actions) if rule else []
    return (
        conditions + [{}] * BLANK_CONDITIONS,
        [{"type": a.get("type"), **(a.get("params") or {})} for a in actions] + [{}] * BLANK_ACTIONS,
    )


@managers_only
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a rule: its fields, condition rows and action rows."""
    rule = get_object_or_404(Rule, pk=pk) if pk else None
    initial = {"match": "all", "is_active": True}
    if rule:
        initial = {
            "name": rule.name, "triggers": rule.triggers, "organisation": rule.organisation_id,
            "match": rule.conditions.get("match", "all"), "is_active": rule.is_active,
            "stop_processing": rule.stop_processing,
        }  # fmt: skip
    form = RuleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.rule_save(
                actor=_actor(request), rule=rule, name=data["name"], triggers=data["triggers"],
                conditions={"match": data["match"], "items": condition_rows(request.POST)},
                actions=action_rows(request.POST), organisation=data["organisation"],
                is_active=data["is_active"], stop_processing=data["stop_processing"],
            )  # fmt: skip
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Rule saved."))
            return redirect("automation:rule_edit", pk=saved.pk)
    conditions, actions = _rows(request, rule)
    context = {"form": form, "rule": rule, "conditions": conditions, "actions": actions, **_vocabulary()}
    return render(request, "automation/rule_edit.html", context)


def _refused(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: on its field, and on top for a row's part (``actions.1``)."""
    form_error(form, error)
    if error.field and "." in error.field:
        form.add_error(
            None, _("%(where)s: %(message)s") % {"where": _where(error.field), "message": error.message}
        )


def _where(field: str) -> str:
    """``conditions.items.1.value`` → "Condition 2" (what the person sees)."""
    parts = field.split(".")
    if parts[0] == "conditions" and len(parts) > 2 and parts[2].isdigit():
        return _("Condition %(n)s") % {"n": int(parts[2]) + 1}
    if parts[0] == "actions" and len(parts) > 1 and parts[1].isdigit():
        return _("Action %(n)s") % {"n": int(parts[1]) + 1}
    return field


@managers_only
@require_GET
def row(request: HttpRequest, kind: str) -> HttpResponse:
    """One more empty condition or action row (htmx)."""
    if kind not in ("condition", "action"):
        raise Http404
    return render(request, f"automation/_{kind}_row.html", {"row": {}, **_vocabulary()})


@managers_only
@require_POST
def rule_active(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    services.rule_set_active(actor=_actor(request), rule=rule, is_active=request.POST.get("active") == "1")
    return redirect("automation:rules")


@managers_only
@require_POST
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(Rule, pk=pk)
    services.rule_move(actor=_actor(request), rule=rule, offset=-1 if request.POST.get("to") == "up" else 1)
    return redirect("automation:rules")


@managers_only
@require_http_methods(["GET", "POST"])
def rule_try(request: HttpRequest, pk: int) -> HttpResponse:
    """ "What would it do?": the rule run against a ticket and rolled back."""
    rule = get_object_or_404(Rule, pk=pk)
    reference = (request.POST.get("reference") or request.GET.get("reference") or "").strip()
    result, ticket, error = None, None, ""
    if reference:
        ticket = authz.tickets_visible_to(request.user).filter(reference__iexact=reference).first()
        if ticket is None:
            error = _("No ticket with this reference.")
        else:
            try:
                result = services.rule_dry_run(
                    actor=_actor(request), ticket=ticket, conditions=rule.conditions, actions=rule.actions,
                    name=rule.name, rule_id=rule.pk,
                )  # fmt: skip
            except DomainError as failure:
                error = failure.message
    context = {"rule": rule, "reference": reference, "ticket": ticket, "result": result, "error": error}
    return render(request, "automation/rule_try.html", context)


@managers_only
@require_http_methods(["GET", "POST"])
def time_rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or change a time automation."""
    time_rule = get_object_or_404(TimeRule, pk=pk) if pk else None
    initial = TimeRuleForm.initial_of(time_rule) if time_rule else {"is_active": True, "unit": "hours"}
    form = TimeRuleForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.time_rule_save(
                actor=_actor(request), time_rule=time_rule, actions=action_rows(request.POST), **data
            )
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Time automation saved."))
            return redirect("automation:time_rule_edit", pk=saved.pk)
    actions = (
        action_rows(request.POST)
        if request.method == "POST"
        else list(time_rule.actions if time_rule else [])
    )
    rows = [{"type": a.get("type"), **(a.get("params") or {})} for a in actions] + [{}] * BLANK_ACTIONS  # type: ignore[dict-item]
    context = {"form": form, "time_rule": time_rule, "actions": rows, **_vocabulary()}
    return render(request, "automation/time_rule_edit.html", context)
