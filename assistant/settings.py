"""One settings object. Precedence: explicit argument > environment variable > settings file > default.

The settings file is `$ZHIBIAO_HOME/settings.toml` (default `~/.zhibiao/settings.toml`), flat keys such as
`base_url = "http://127.0.0.1:8000/v1"`, `model = "qwen2.5-7b-instruct"`, `max_repairs = 2`.
"""

from __future__ import annotations

import re
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from assistant.errors import ConfigError

# switches that keep every dependency from phoning home; set before those packages are imported
OFFLINE_ENV = {
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ORT_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}


def apply_offline_env() -> None:
    """Turn telemetry off for chromadb, gradio, huggingface_hub and onnxruntime (never overrides the user)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def home() -> Path:
    return Path(os.environ.get("ZHIBIAO_HOME") or Path.home() / ".zhibiao")


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the environment variable that sets it."""

    base_url: str = ""            # OPENAI_BASE_URL / ZHIBIAO_BASE_URL
    api_key: str = field(default="", repr=False)  # OPENAI_API_KEY / ZHIBIAO_API_KEY
    model: str = "gpt-4o-mini"    # ZHIBIAO_MODEL / OPENAI_MODEL
    timeout: float = 60.0         # ZHIBIAO_TIMEOUT (seconds per model call)
    max_retries: int = 2          # ZHIBIAO_MAX_RETRIES (HTTP retries for 429/5xx/timeouts)
    max_repairs: int = 2          # ZHIBIAO_MAX_REPAIRS (validate-and-repair rounds)
    deadline: float = 180.0       # ZHIBIAO_DEADLINE (seconds for one whole draft: every call, retry and repair)
    max_tokens: int = 4096        # ZHIBIAO_MAX_TOKENS (completion tokens per model call)
    breaker: int = 3              # ZHIBIAO_BREAKER (a batch stops calling the model after this many failures in a row; 0 = never)
    temperature: float = 0.2      # ZHIBIAO_TEMPERATURE
    drafter: str = ""             # ZHIBIAO_DRAFTER: exemplar | llm (default: llm when an endpoint is set)
    chroma_url: str = ""          # ZHIBIAO_CHROMA_URL: a shared `chroma run` server
    data_dir: str = ""            # ZHIBIAO_DATA_DIR (default $ZHIBIAO_HOME/data)
    embedding: str = ""           # ZHIBIAO_EMBEDDING: ngram | e5 (default: the measured best available)

    @property
    def llm_configured(self) -> bool:
        return bool(self.base_url or self.api_key)

    @property
    def default_drafter(self) -> str:
        return self.drafter or ("llm" if self.llm_configured else "exemplar")

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir) if self.data_dir else home() / "data"

    def require_llm(self) -> None:
        if not self.llm_configured:
            raise ConfigError("未配置大模型接口：请设置 OPENAI_API_KEY（以及 OPENAI_BASE_URL 指向 DeepSeek、通义千问、vLLM、"
                              "Ollama 等 OpenAI 兼容服务），或在 settings.toml 中设置 base_url/api_key")


_ENV = {
    "base_url": ("ZHIBIAO_BASE_URL", "OPENAI_BASE_URL"),
    "api_key": ("ZHIBIAO_API_KEY", "OPENAI_API_KEY"),
    "model": ("ZHIBIAO_MODEL", "OPENAI_MODEL"),
    "timeout": ("ZHIBIAO_TIMEOUT",),
    "max_retries": ("ZHIBIAO_MAX_RETRIES",),
    "max_repairs": ("ZHIBIAO_MAX_REPAIRS",),
    "deadline": ("ZHIBIAO_DEADLINE",),
    "max_tokens": ("ZHIBIAO_MAX_TOKENS",),
    "breaker": ("ZHIBIAO_BREAKER",),
    "temperature": ("ZHIBIAO_TEMPERATURE",),
    "drafter": ("ZHIBIAO_DRAFTER",),
    "chroma_url": ("ZHIBIAO_CHROMA_URL",),
    "data_dir": ("ZHIBIAO_DATA_DIR",),
    "embedding": ("ZHIBIAO_EMBEDDING",),
}


def _coerce(name: str, raw: object) -> object:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    try:
        if kind == "int":
            return int(raw)  # type: ignore[arg-type]
        if kind == "float":
            return float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"配置项 {_label(name)} 的值“{raw}”不是有效的数字") from exc
    return str(raw)


def _label(name: str) -> str:
    """The environment variable that sets a field, as the user knows it."""
    return _ENV[name][0] if name in _ENV else name


# (field, lowest allowed, highest allowed, whether the lowest itself is allowed)
_BOUNDS = (("timeout", 0, 3600, False), ("deadline", 0, 86400, False), ("max_retries", 0, 10, True),
           ("max_repairs", 0, 10, True), ("max_tokens", 0, 1_000_000, False), ("breaker", 0, 1000, True),
           ("temperature", 0, 2, True))


def check(settings: Settings) -> Settings:
    """Raise a ConfigError naming the variable when a value cannot work; return the settings otherwise."""
    for name, low, high, inclusive in _BOUNDS:
        value = getattr(settings, name)
        if value < low or (value == low and not inclusive) or value > high:
            bound = f"不小于{low}" if inclusive else f"大于{low}"
            raise ConfigError(f"配置项 {_label(name)} 的值 {value:g} 无效：应{bound}且不大于{high:g}")
    if settings.base_url and not settings.base_url.lower().startswith(("http://", "https://")):
        raise ConfigError(f"配置项 OPENAI_BASE_URL 的值“{settings.base_url}”无效：应以 http:// 或 https:// 开头，"
                          "如 https://api.deepseek.com/v1")
    if settings.drafter not in ("", "exemplar", "llm"):
        raise ConfigError(f"未知的起草方式“{settings.drafter}”（可选 exemplar 或 llm）")
    return settings


def load_settings(**overrides: object) -> Settings:
    """Build settings from the file, the environment and explicit overrides (None values are ignored)."""
    values: dict[str, object] = {}
    path = home() / "settings.toml"
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"配置文件 {path} 格式错误：{exc}") from exc
        unknown = set(data) - set(_ENV)
        if unknown:
            raise ConfigError(f"配置文件 {path} 含未知配置项：{', '.join(sorted(unknown))}")
        values.update(data)
    for name, variables in _ENV.items():
        for var in variables:
            if os.environ.get(var):
                values[name] = os.environ[var]
                break
    values.update({k: v for k, v in overrides.items() if v is not None})
    return check(replace(Settings(), **{k: _coerce(k, v) for k, v in values.items()}))


_AUTH_SPLIT = re.compile(r",(?=[^,:]+:)")


def parse_ui_auth(raw: str) -> list[tuple[str, str]] | None:
    """ZHIBIAO_UI_AUTH=user:password[,user2:password2]: a password may hold any character (a comma too, unless what
    follows it looks like another user's "name:"). A malformed value is refused, never read as "no login"."""
    from assistant.errors import ConfigError

    raw = (raw or "").strip()
    if not raw:
        return None
    pairs = []
    for entry in _AUTH_SPLIT.split(raw):
        user, sep, password = entry.partition(":")
        if not sep or not user.strip() or not password:
            raise ConfigError("ZHIBIAO_UI_AUTH 格式不对：应为“用户名:密码”，多个用户用逗号分隔，"
                              "如 ZHIBIAO_UI_AUTH=admin:密码1,user2:密码2")
        pairs.append((user.strip(), password))
    return pairs
