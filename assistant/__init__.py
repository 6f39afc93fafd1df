"""zhibiao (指标助手): draft, check and rewrite 预算项目支出绩效目标表."""

from assistant.documents import read_document, write_document
from assistant.errors import ConfigError, InputError, InputFileError, ZhibiaoError
from assistant.models import Budget, Document, Indicator, ProjectSheet
from assistant.report import CheckReport, ProjectReport, check_document, check_project
from assistant.rules import Finding, Score

__all__ = [
    "Budget", "CheckReport", "ConfigError", "Document", "Finding", "Indicator", "InputError", "InputFileError",
    "ProjectReport", "ProjectSheet", "Score", "ZhibiaoError", "check_document", "check_project", "read_document",
    "write_document",
]
