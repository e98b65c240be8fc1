"""The ai-tools service's settings, read once from the environment."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from uts_shared.settings import ServiceSettings, blank_is_unset


class Settings(ServiceSettings):
    """`ServiceSettings` plus the OpenAI client, the loop guard and the webhook consumer.

    Without `OPENAI_API_KEY` the tool path (broker RPC, HTTP) still runs; the model paths (webhook
    continuation, `ai.respond`) are reported disabled and their queues are not consumed.
    """

    mongodb_db: str = "uts_ai_tools"

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    """Default: the SDK's (https://api.openai.com/v1); tests point it at a local fake."""
    openai_model: str = "gpt-4.1-mini"
    openai_timeout: float = Field(default=60.0, gt=0)
    """Seconds per model request (each retry gets its own)."""
    openai_max_retries: int = Field(default=3, ge=0, le=10)
    """SDK retries with exponential backoff on connection errors, 408/409/429 and 5xx."""

    embedding_model: str = "text-embedding-3-small"
    """What embeds each ticket's text for similar tickets by meaning (empty: none)."""
    embedding_dimensions: int = Field(default=256, ge=8, le=3072)
    """The embeddings' length: 256 of text-embedding-3-small's 1,536 keep most of their sense
    at a sixth of the storage and comparison cost."""

    max_tool_rounds: int = Field(default=5, ge=1, le=50)
    """Tool rounds one chain may take before the loop guard stops it."""
    max_repeated_calls: int = Field(default=3, ge=2, le=20)
    """The same call (name + arguments) this many times in a chain trips the loop guard."""

    config_cache_ttl: float = Field(default=300.0, ge=0)
    """Safety net only: `config.updated` events drop the cache at once."""
    tool_call_lease: float = Field(default=30.0, gt=0)
    """Seconds a claimed tool call may stay unfinished before another delivery takes it over."""
    webhook_lease: float = Field(default=120.0, gt=0)
    webhook_max_attempts: int = Field(default=5, ge=1, le=100)
    """Deliveries of one webhook that fail transiently (e.g. rate limited) before dead-lettering."""
    webhook_retry_delay: float = Field(default=5.0, ge=0)
    """Base delay before a failed webhook goes back to the queue (doubles per attempt, max 60s)."""

    _blank_key = field_validator("openai_api_key", mode="before")(blank_is_unset)

    @field_validator("openai_base_url", mode="before")
    @classmethod
    def _blank_url_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def model_enabled(self) -> bool:
        return self.openai_api_key is not None

    @property
    def embeddings_enabled(self) -> bool:
        return self.model_enabled and bool(self.embedding_model.strip())
