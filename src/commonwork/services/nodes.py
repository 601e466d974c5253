"""The node the doors serve, as they name it: its type and its settings.

Only a door's composition root (``web/app.py``, ``cli/context.py``) opens a node; every other
module of a door receives it and names its type from here.
"""

from __future__ import annotations

from commonwork.node.jobs import Job, StillComputing
from commonwork.node.node import Node
from commonwork.node.settings import SETTINGS_HELP, IPNetwork, Settings

__all__ = ["SETTINGS_HELP", "IPNetwork", "Job", "Node", "Settings", "StillComputing"]
