"""Text and colours shared by the queue panel, the agent grid and the wallboard.

A level is always said in words as well as in colour (a colour-blind supervisor, a grey-scale
screenshot, a TV across the room must all read it).
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from calldesk_domain.agent_metrics import Activity
from calldesk_domain.board import Level

NO_VALUE = "—"
LEVEL_COLOURS = {
    Level.OK: QColor("#1b7f3b"),
    Level.WARNING: QColor("#b25e00"),
    Level.ALARM: QColor("#c62828"),
}
LEVEL_BACKGROUNDS = {
    Level.OK: QColor(0, 0, 0, 0),
    Level.WARNING: QColor("#fff3cd"),
    Level.ALARM: QColor("#fde0e0"),
}


def level_word(level: Level) -> str:
    if level is Level.ALARM:
        return QCoreApplication.translate("SupervisorFormat", "ALARM")
    if level is Level.WARNING:
        return QCoreApplication.translate("SupervisorFormat", "warning")
    return ""


def with_level(text: str, level: Level) -> str:
    word = level_word(level)
    return (
        text
        if not word or text == NO_VALUE
        else f"{text} ▲ {word}"
        if level is Level.ALARM
        else f"{text} △ {word}"
    )


def duration(seconds: float | None) -> str:
    """m:ss below an hour, h:mm:ss above; "—" for nothing."""
    if seconds is None:
        return NO_VALUE
    whole = int(max(0.0, seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def percent(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:.1f} %"


def clock_time(ts: float, zone: tzinfo | None) -> str:
    return datetime.fromtimestamp(ts, zone).strftime("%H:%M")


def activity_text(activity: Activity) -> str:
    names = {
        Activity.READY: QCoreApplication.translate("SupervisorFormat", "Ready"),
        Activity.RINGING: QCoreApplication.translate("SupervisorFormat", "Ringing"),
        Activity.TALK: QCoreApplication.translate("SupervisorFormat", "Talking"),
        Activity.HOLD: QCoreApplication.translate("SupervisorFormat", "On hold"),
        Activity.WRAP: QCoreApplication.translate("SupervisorFormat", "Wrap-up"),
        Activity.PAUSED: QCoreApplication.translate("SupervisorFormat", "Not ready"),
        Activity.UNAVAILABLE: QCoreApplication.translate("SupervisorFormat", "Unavailable"),
        Activity.LOGGED_OUT: QCoreApplication.translate("SupervisorFormat", "Logged out"),
    }
    return names[activity]


ACTIVITY_COLOURS = {
    Activity.READY: QColor("#1b7f3b"),
    Activity.RINGING: QColor("#1565c0"),
    Activity.TALK: QColor("#6a1b9a"),
    Activity.HOLD: QColor("#b25e00"),
    Activity.WRAP: QColor("#00838f"),
    Activity.PAUSED: QColor("#c62828"),
    Activity.UNAVAILABLE: QColor("#616161"),
    Activity.LOGGED_OUT: QColor("#9e9e9e"),
}


def stale_text(stale_since: float, zone: tzinfo | None, detail: str = "") -> str:
    text = QCoreApplication.translate(
        "SupervisorFormat", "Figures are stale since {time}: no live data"
    ).format(time=clock_time(stale_since, zone))
    return f"{text} ({detail})" if detail else text
