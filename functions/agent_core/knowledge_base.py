"""The knowledge search's backends: the Markdown entries shipped in the package (SQLite FTS5, in
``knowledge``), or an existing Amazon Bedrock Knowledge Base (``bedrock-agent-runtime`` Retrieve) for
shops that outgrow files. Both give the same hits: an id, a title, the answer text and a score."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import Any, Protocol

from agent_core import aws, knowledge
from agent_core.paths import asset_dir

MAX_HITS = 2  # entries given to the interpreter: the best one, and one more for a question that spans two
CLOSE_SECOND = 0.8  # the second entry is given only when it covers the question nearly as well as the first
# Bedrock's relevance scores run from 0 to 1; below this a passage is not used.
BEDROCK_MIN_SCORE = 0.4
BEDROCK_STRICT_SCORE = 0.6


@dataclass(frozen=True)
class Found:
    id: str
    title: str
    answer: str
    score: float


class Searcher(Protocol):
    label: str

    def search(self, question: str, strict: bool = False) -> list[Found]:
        """The best entries; ``strict``: a close match only (the planner did not ask for a search)."""
        ...


class KnowledgeUnavailable(Exception):
    """The knowledge base could not be searched (Bedrock throttled or failed). Retried by the state machine."""


class FileKnowledge:
    """``knowledge/*.md`` shipped beside the code, indexed when the function starts."""

    label = "knowledge files"

    def __init__(self) -> None:
        self.index = knowledge.Index(knowledge.load_entries(asset_dir("knowledge")))

    def search(self, question: str, strict: bool = False) -> list[Found]:
        hits = self.index.search(question, min_coverage=knowledge.STRICT_COVERAGE if strict else knowledge.MIN_COVERAGE)
        hits = hits[:MAX_HITS]
        kept = [hit for hit in hits if hit is hits[0] or hit.score >= CLOSE_SECOND * hits[0].score]
        return [Found(hit.entry.id, hit.entry.title, hit.entry.answer, hit.score) for hit in kept]


class BedrockKnowledge:
    """An existing Amazon Bedrock Knowledge Base, read with Retrieve (the function may read that one only)."""

    def __init__(self, knowledge_base_id: str, client: Any = None) -> None:
        self.knowledge_base_id = knowledge_base_id
        self.label = f"bedrock knowledge base {knowledge_base_id}"
        self._client = client or aws.client("bedrock-agent-runtime", "knowledge_base")

    def search(self, question: str, strict: bool = False) -> list[Found]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._client.retrieve(
                knowledgeBaseId=self.knowledge_base_id,
                retrievalQuery={"text": question},
                retrievalConfiguration={"vectorSearchConfiguration": {"numberOfResults": MAX_HITS}},
            )
        except ClientError as error:
            raise KnowledgeUnavailable(aws.error_code(error) or "ClientError") from None
        except BotoCoreError as error:
            raise KnowledgeUnavailable(type(error).__name__) from None
        found = []
        for result in response.get("retrievalResults", []):
            score = float(result.get("score") or 0)
            text = str((result.get("content") or {}).get("text") or "").strip()
            if score >= (BEDROCK_STRICT_SCORE if strict else BEDROCK_MIN_SCORE) and text:
                source = _source_name(result)
                found.append(Found(source, source, " ".join(text.split()), round(score, 3)))
        return found[:MAX_HITS]


def _source_name(result: dict[str, Any]) -> str:
    """A readable id for a retrieved passage: its document's name, from its S3 location or metadata."""
    location = result.get("location") or {}
    uri = (location.get("s3Location") or {}).get("uri") or (location.get("webLocation") or {}).get("url") or ""
    name = (
        PurePosixPath(uri).stem if uri else str((result.get("metadata") or {}).get("x-amz-bedrock-kb-source-uri", ""))
    )
    return name[:80] or "knowledge-base"


@cache
def searcher(knowledge_base_id: str) -> Searcher:
    """The backend a deployment chose: a Bedrock Knowledge Base id, or "none" for the shipped files."""
    if knowledge_base_id in ("", "none"):
        return FileKnowledge()
    return BedrockKnowledge(knowledge_base_id)
