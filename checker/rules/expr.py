"""A small, safe expression language for rule tests: parsed into a tree, never eval'd.

Grammar (lowest precedence first)::

    expr  := and ('or' and)*
    and   := not ('and' not)*
    not   := 'not' not | cmp
    cmp   := sum (OP sum | 'in' list | 'not' 'in' list)?      OP: < <= > >= == !=
    sum   := prod (('+' | '-') prod)*
    prod  := unary (('*' | '/') unary)*
    unary := '-' unary | atom
    atom  := NUMBER ['%'] | STRING | 'true' | 'false' | NAME | NAME '(' args ')' | '(' expr ')'
    list  := '[' atom (',' atom)* ']'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal, Union

from checker.problems import Problem, ProblemError

END = Problem("lint.expr.end")  # what a message names when the expression ends too early


class ExprError(ProblemError):
    """A syntax or type error inside one expression: its catalogue code ("lint.expr.*") with parameters, and its column."""

    def __init__(self, code: str, column: int = 0, **params: Any) -> None:
        super().__init__(code, **params)
        self.message = str(self.problem)
        self.column = column


@dataclass(frozen=True)
class Const:
    value: Union[float, str, bool]


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node
    # the operands' type, kept on the tree by the type checker (not part of equality: planners key slots by tree)
    operand_type: str = field(default="", compare=False)


@dataclass(frozen=True)
class InSet:
    operand: Node
    values: tuple[Union[float, str], ...]
    negated: bool = False
    operand_type: str = field(default="", compare=False)  # as Compare.operand_type


@dataclass(frozen=True)
class BoolOp:
    op: Literal["and", "or"]
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    operand: Node


Node = Union[Const, Name, Call, BinOp, Neg, Compare, InSet, BoolOp, Not]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>\d+(?:\.\d+)?%?)
      | (?P<str>'[^'\\\n]*'|"[^"\\\n]*")
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op><=|>=|==|!=|<|>|[-+*/(),\[\]])
    )""",
    re.VERBOSE,
)
MAX_LENGTH = 2000
# Full-width (Chinese keyboard) characters and the half-width one to write instead; quotes become ' (a " would end
# the YAML string around the expression).
HALF_WIDTH = {"（": "(", "）": ")", "‘": "'", "’": "'", "“": "'", "”": "'", "，": ",", "≥": ">=", "≤": "<=",
              "＝": "==", "＜": "<", "＞": ">", "！": "!", "＋": "+", "－": "-", "＊": "*", "／": "/", "％": "%",
              "．": ".", "　": " ", "［": "[", "］": "]", "。": "."}
THOUSANDS = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?![\d.])")
MAX_DEPTH = 40
COMPARE_OPS = ("<=", ">=", "==", "!=", "<", ">")
KEYWORDS = {"and", "or", "not", "in", "true", "false"}


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    col: int


def tokenize(text: str) -> list[_Tok]:
    """Split an expression into tokens, rejecting any character outside the language."""
    if len(text) > MAX_LENGTH:
        raise ExprError("lint.expr.too_long", 0, limit=MAX_LENGTH)
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            col = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise _bad_character(text, col)
        kind = match.lastgroup or ""
        tokens.append(_Tok(kind, match.group(kind), match.start(kind)))
        pos = match.end()
    tokens.append(_Tok("end", "", len(text)))
    return tokens


def _bad_character(text: str, col: int) -> ExprError:
    """A character outside the language; a full-width one names the half-width character to write instead."""
    char = text[col]
    if char in HALF_WIDTH:
        return ExprError("lint.expr.full_width", col, char=char, fix=HALF_WIDTH[char])
    return ExprError("lint.expr.bad_character", col, char=char)


def _unexpected(text: str, tok: _Tok) -> ExprError:
    """A token the grammar does not allow here; a comma inside a number such as 5,000 says to write 5000."""
    written = _number_around(text, tok.col) if tok.text == "," else None
    if written is not None:
        return ExprError("lint.expr.thousands", tok.col, written=written, fix=written.replace(",", ""))
    return ExprError("lint.expr.unexpected", tok.col, found=tok.text or END)


def _number_around(text: str, col: int) -> str | None:
    """The number written with thousands separators (5,000) whose comma stands at col, if any."""
    return next((m.group() for m in THOUSANDS.finditer(text) if m.start() < col < m.end()), None)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Tok:
        return self.tokens[self.i]

    def take(self, text: str | None = None) -> _Tok:
        tok = self.tok
        if text is not None and tok.text != text:
            found = tok.text or END
            raise ExprError("lint.expr.expected", tok.col, wanted=text, found=found)
        self.i += 1
        return tok

    def at(self, *texts: str) -> bool:
        return self.tok.kind in ("op", "name") and self.tok.text in texts

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError("lint.expr.too_deep", self.tok.col, limit=MAX_DEPTH)

    def parse(self) -> Node:
        node = self.or_()
        if self.tok.kind != "end":
            raise _unexpected(self.text, self.tok)
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.at("or"):
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def and_(self) -> Node:
        items = [self.not_()]
        while self.at("and"):
            self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def not_(self) -> Node:
        if self.at("not"):
            self.take()
            self.nest()
            node = Not(self.not_())
            self.depth -= 1
            return node
        return self.cmp()

    def cmp(self) -> Node:
        left = self.sum_()
        if self.at(*COMPARE_OPS):
            op = self.take().text
            return Compare(op, left, self.sum_())
        if self.at("in"):
            self.take()
            return InSet(left, self.list_())
        if self.at("not") and self.tokens[self.i + 1].text == "in":
            self.take()
            self.take()
            return InSet(left, self.list_(), negated=True)
        return left

    def list_(self) -> tuple[Union[float, str], ...]:
        self.take("[")
        values = [self.literal()]
        while self.at(","):
            self.take()
            values.append(self.literal())
        self.take("]")
        return tuple(values)

    def literal(self) -> Union[float, str]:
        tok = self.take()
        if tok.kind == "num":
            return _number(tok.text)
        if tok.kind == "str":
            return tok.text[1:-1]
        raise ExprError("lint.expr.not_a_literal", tok.col, found=tok.text)

    def sum_(self) -> Node:
        node = self.prod()
        while self.at("+", "-"):
            op = self.take().text
            node = BinOp(op, node, self.prod())
        return node

    def prod(self) -> Node:
        node = self.unary()
        while self.at("*", "/"):
            op = self.take().text
            node = BinOp(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("-"):
            self.take()
            self.nest()
            node = self.unary()
            self.depth -= 1
            if isinstance(node, Const) and isinstance(node.value, float):
                return Const(-node.value)
            return Neg(node)
        return self.atom()

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return Const(_number(tok.text))
        if tok.kind == "str":
            return Const(tok.text[1:-1])
        if tok.kind == "name" and tok.text in ("true", "false"):
            return Const(tok.text == "true")
        if tok.kind == "name" and tok.text not in KEYWORDS:
            return self.call(tok) if self.at("(") else Name(tok.text)
        if tok.text == "(":
            self.nest()
            node = self.or_()
            self.depth -= 1
            self.take(")")
            return node
        raise _unexpected(self.text, tok)

    def _no_thousands(self, comma: _Tok) -> None:
        """A comma with no space between digits in a call, as in min(x, 5,000): read two ways (5000, or 5 and 000), so
        refused, naming both spellings."""
        written = _number_around(self.text, comma.col)
        if written is not None:
            raise ExprError("lint.expr.thousands_in_args", comma.col, written=written, fix=written.replace(",", ""),
                            apart=written.replace(",", ", "))

    def call(self, name: _Tok) -> Node:
        self.take("(")
        self.nest()
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.or_())
            while self.at(","):
                self._no_thousands(self.take())
                args.append(self.or_())
        self.take(")")
        self.depth -= 1
        return Call(name.text, tuple(args))


def _number(text: str) -> float:
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


def parse(text: str) -> Node:
    """Parse an expression into its tree; raise ExprError with a column on bad input."""
    if not isinstance(text, str) or not text.strip():
        raise ExprError("lint.expr.empty", 0)
    return _Parser(text).parse()


def keep_type(node: Union[Compare, InSet], operand_type: str) -> None:
    """Record on a comparison the type of its operands (the type checker does; evaluators and planners read it)."""
    object.__setattr__(node, "operand_type", operand_type)


def literal_text(node: Node) -> str:
    """The text of a quoted literal argument (type checking on load puts one there)."""
    if isinstance(node, Const) and isinstance(node.value, str):
        return node.value
    raise ExprError("lint.expr.not_a_text_literal", found=repr(node))


def literal_number(node: Node) -> float:
    """The value of a number literal argument (type checking on load puts one there)."""
    if isinstance(node, Const) and isinstance(node.value, float):
        return node.value
    raise ExprError("lint.expr.not_a_number_literal", found=repr(node))


def names(node: Node) -> set[str]:
    """Every name (field, derived value or `as_of`) an expression reads."""
    if isinstance(node, Name):
        return {node.name}
    found: set[str] = set()
    for child in children(node):
        found |= names(child)
    return found


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of a node."""
    if isinstance(node, (BinOp, Compare)):
        return (node.left, node.right)
    if isinstance(node, (Neg, Not)):
        return (node.operand,)
    if isinstance(node, InSet):
        return (node.operand,)
    if isinstance(node, BoolOp):
        return node.operands
    if isinstance(node, Call):
        return node.args
    return ()


def render(node: Node) -> str:
    """Write a tree back as readable text (used in messages and golden files)."""
    if isinstance(node, Const):
        return _render_const(node.value)
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Call):
        return f"{node.func}({', '.join(render(a) for a in node.args)})"
    if isinstance(node, BinOp):
        return f"({render(node.left)} {node.op} {render(node.right)})"
    if isinstance(node, Neg):
        return f"-{render(node.operand)}"
    if isinstance(node, Compare):
        return f"{render(node.left)} {node.op} {render(node.right)}"
    if isinstance(node, InSet):
        values = ", ".join(_render_const(v) for v in node.values)
        return f"{render(node.operand)} {'not in' if node.negated else 'in'} [{values}]"
    if isinstance(node, BoolOp):
        return "(" + f" {node.op} ".join(render(o) for o in node.operands) + ")"
    return f"not {render(node.operand)}"


def _render_const(value: Union[float, str, bool]) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    return f"{value:g}"
