"""A small TOML reader for rex_client on Pythons without tomllib (3.11+) or tomli.

Covers what session configs use: tables, arrays of tables, dotted and quoted keys,
strings (all four kinds), integers, floats (incl. inf/nan), booleans, arrays and inline
tables. Dates and times are returned as strings. Lenient: it does not reject every
document the TOML spec forbids.
"""

from __future__ import annotations

from typing import Any, Dict, List, NoReturn, Sequence


def loads(text: str) -> Dict[str, Any]:
    """Parse a TOML document; ValueError names the line of the first problem."""
    return _TomlSubset().load(text)


class _TomlSubset:

    _ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
    _BARE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")

    def __init__(self) -> None:
        self.text = ""
        self.pos = 0

    def load(self, text: str) -> Dict[str, Any]:
        self.text, self.pos = text.replace("\r\n", "\n"), 0
        root: Dict[str, Any] = {}
        table = root
        while True:
            self._skip(newlines=True)
            if self.pos >= len(self.text):
                return root
            if self.text.startswith("[[", self.pos):
                self.pos += 2
                keys = self._keys()
                self._expect("]]")
                parent = self._walk(root, keys[:-1])
                entries = parent.setdefault(keys[-1], [])
                if not isinstance(entries, list):
                    self._error(f"{'.'.join(keys)} is not an array of tables")
                table = {}
                entries.append(table)
            elif self._peek() == "[":
                self.pos += 1
                keys = self._keys()
                self._expect("]")
                table = self._walk(root, keys)
            else:
                self._key_value(table)
            self._skip()
            if self.pos < len(self.text) and self._peek() != "\n":
                self._error("expected the end of the line")

    def _error(self, message: str) -> NoReturn:
        line = self.text.count("\n", 0, self.pos) + 1
        raise ValueError(f"line {line}: {message}")

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _expect(self, token: str) -> None:
        self._skip()
        if not self.text.startswith(token, self.pos):
            self._error(f"expected {token!r}")
        self.pos += len(token)

    def _skip(self, newlines: bool = False) -> None:
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in " \t" or (newlines and char == "\n"):
                self.pos += 1
            elif char == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return

    def _walk(self, table: Dict[str, Any], keys: Sequence[str]) -> Dict[str, Any]:
        for key in keys:
            node = table.setdefault(key, {})
            if isinstance(node, list) and node and isinstance(node[-1], dict):
                node = node[-1]
            if not isinstance(node, dict):
                self._error(f"{key!r} is already a value, not a table")
            table = node
        return table

    def _keys(self) -> List[str]:
        keys = []
        while True:
            self._skip()
            char = self._peek()
            if char == '"':
                keys.append(self._basic_string())
            elif char == "'":
                keys.append(self._literal_string())
            else:
                start = self.pos
                while self.pos < len(self.text) and self.text[self.pos] in self._BARE:
                    self.pos += 1
                if start == self.pos:
                    self._error("expected a key")
                keys.append(self.text[start:self.pos])
            self._skip()
            if self._peek() != ".":
                return keys
            self.pos += 1

    def _key_value(self, table: Dict[str, Any]) -> None:
        keys = self._keys()
        self._expect("=")
        self._skip()
        target = self._walk(table, keys[:-1])
        if keys[-1] in target:
            self._error(f"duplicate key {keys[-1]!r}")
        target[keys[-1]] = self._value()

    def _value(self) -> Any:
        text, pos = self.text, self.pos
        if text.startswith('"""', pos):
            return self._multiline('"""')
        if text.startswith("'''", pos):
            return self._multiline("'''")
        char = self._peek()
        if char == '"':
            return self._basic_string()
        if char == "'":
            return self._literal_string()
        if char == "[":
            return self._array()
        if char == "{":
            return self._inline_table()
        for word, value in (("true", True), ("false", False)):
            after = text[pos + len(word):pos + len(word) + 1]
            if text.startswith(word, pos) and after not in self._BARE:
                self.pos += len(word)
                return value
        return self._scalar()

    def _scalar(self) -> Any:
        start = self.pos
        allowed = self._BARE | set("+.:")
        while self.pos < len(self.text) and self.text[self.pos] in allowed:
            self.pos += 1
        # A local date-time may separate date and time with a space.
        if self.pos - start == 10 and self.text[self.pos:self.pos + 1] == " " and self.text[self.pos + 3:self.pos + 4] == ":":
            self.pos += 1
            while self.pos < len(self.text) and self.text[self.pos] in allowed:
                self.pos += 1
        token = self.text[start:self.pos]
        if not token:
            self._error("expected a value")
        if (len(token) >= 10 and token[4:5] == "-" and token[:4].isdigit()) or token[2:3] == ":":
            return token  # a date or time: kept as text
        plain = token.replace("_", "")
        try:
            if plain[:2] in ("0x", "0o", "0b"):
                return int(plain, 0)
            if plain.lstrip("+-").isdigit():
                return int(plain)
            return float(plain)  # also inf and nan
        except ValueError:
            self._error(f"unsupported value {token!r}")

    def _basic_string(self) -> str:
        self.pos += 1
        out = []
        while True:
            if self.pos >= len(self.text) or self.text[self.pos] == "\n":
                self._error("unterminated string")
            char = self.text[self.pos]
            self.pos += 1
            if char == '"':
                return "".join(out)
            out.append(self._escape() if char == "\\" else char)

    def _escape(self) -> str:
        code = self._peek()
        self.pos += 1
        if code in self._ESCAPES:
            return self._ESCAPES[code]
        if code in ("u", "U"):
            width = 4 if code == "u" else 8
            digits = self.text[self.pos:self.pos + width]
            self.pos += width
            try:
                return chr(int(digits, 16))
            except ValueError:
                self._error(f"bad unicode escape \\{code}{digits}")
        self._error(f"bad escape \\{code}")

    def _literal_string(self) -> str:
        end = self.text.find("'", self.pos + 1)
        if end < 0 or "\n" in self.text[self.pos:end]:
            self._error("unterminated string")
        value = self.text[self.pos + 1:end]
        self.pos = end + 1
        return value

    def _multiline(self, quote: str) -> str:
        self.pos += 3
        if self._peek() == "\n":  # a newline right after the opening quotes is not content
            self.pos += 1
        out = []
        while True:
            if self.pos >= len(self.text):
                self._error("unterminated multi-line string")
            if self.text.startswith(quote, self.pos):
                # Up to two quote characters may end the content right before the closing three.
                extra = 0
                while extra < 2 and self.text.startswith(quote, self.pos + extra + 1):
                    extra += 1
                out.append(quote[0] * extra)
                self.pos += 3 + extra
                return "".join(out)
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\" and quote == '"""':
                rest = self.text[self.pos:]
                stripped = rest.lstrip(" \t")
                if stripped.startswith("\n"):  # line-ending backslash: trim to next content
                    self.pos = len(self.text) - len(rest.lstrip(" \t\n"))
                    continue
                out.append(self._escape())
            else:
                out.append(char)

    def _array(self) -> List[Any]:
        self.pos += 1
        items = []
        while True:
            self._skip(newlines=True)
            if self._peek() == "]":
                self.pos += 1
                return items
            items.append(self._value())
            self._skip(newlines=True)
            if self._peek() == ",":
                self.pos += 1
            elif self._peek() != "]":
                self._error("expected ',' or ']' in an array")

    def _inline_table(self) -> Dict[str, Any]:
        self.pos += 1
        table: Dict[str, Any] = {}
        self._skip()
        if self._peek() == "}":
            self.pos += 1
            return table
        while True:
            self._key_value(table)
            self._skip()
            if self._peek() == "}":
                self.pos += 1
                return table
            self._expect(",")
