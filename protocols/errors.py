"""The protocol's one exception.

Exception
└── ProtocolError      a message that is not a valid trafsim message: path + sentence
"""

from __future__ import annotations


class ProtocolError(Exception):
    """Bad input: `path` is a JSON path into the message (`$.body.persons[0].age`),
    `sentence` says what was expected."""

    def __init__(self, path: str, sentence: str) -> None:
        self.path = path
        self.sentence = sentence
        super().__init__(f"{path}: {sentence}")
