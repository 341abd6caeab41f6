"""Every size limit of the agent, in one place (docs/architecture.md, "Limits", is generated from here).

Limits bound what reaches the model (prompt size, cost, injection surface), what is stored in Lex
session attributes (Lex caps the size of a session), and what reaches the user.
"""

# What the user typed: only this many characters are read; the rest is ignored.
MAX_QUESTION_CHARS = 500

# Conversation memory carried in Lex session attributes.
MAX_HISTORY_TURNS = 3
MAX_HISTORY_TEXT_CHARS = 300  # per remembered message (user text or answer)
MAX_HISTORY_BYTES = 2048  # serialised JSON, all turns together

# Tool calls made in one turn.
MAX_IDS_PER_TOOL = 3
MAX_CALLS_PER_TURN = 4
MAX_SEARCH_CHARS = 300  # of the user's question, searched in the knowledge base

# What is read from the model and what is said to the user.
MAX_GENERATION_CHARS = 2000
MAX_ANSWER_CHARS = 600
MAX_OBSERVATION_CHARS = 400
MAX_SEARCH_OBSERVATION_CHARS = 900  # a search's entries: up to two answers of a chat bubble each
MAX_RECORDS_IN_PROMPT = 6  # the newest records, when later steps have gathered more

# Lex V2 rejects a message longer than this (Message.content).
LEX_MAX_MESSAGE_CHARS = 1000
