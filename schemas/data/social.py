"""Payloads of the social domain (gemeente sociaal domein) event types."""

from __future__ import annotations

from typing import Literal

from schemas.data.base import EventData
from schemas.fields import Amount, Code, Text

CareKind = Literal["wmo", "jeugd"]
SignalSource = Literal["huur", "energie", "water", "zorg"]


class SocialDebtAssistanceStarted(EventData):
    """``social.debt_assistance.started``: debt assistance (schuldhulpverlening) started."""


class SocialDebtAssistanceEnded(EventData):
    """``social.debt_assistance.ended``: debt assistance ended."""

    reason: Text | None = None


class SocialBenefitStopped(EventData):
    """``social.benefit.stopped``: a benefit (uitkering) was stopped."""

    reason: Text | None = None


class SocialBenefitReclaimed(EventData):
    """``social.benefit.reclaimed``: benefit paid was reclaimed (terugvordering)."""

    amount_eur: Amount


class SocialCareStarted(EventData):
    """``social.care.started``: Wmo or youth care started (iWmo/iJw 305)."""

    kind: CareKind
    product_code: Code | None = None


class SocialCareEnded(EventData):
    """``social.care.ended``: Wmo or youth care ended (iWmo/iJw 307)."""

    kind: CareKind
    reason: Text | None = None


class SocialEarlySignalReceived(EventData):
    """``social.early_signal.received``: an early signal of payment arrears (Wgs vroegsignalering)."""

    signal_source: SignalSource
    amount_eur: Amount
