"""Frozen value classes that cost no import: the :mod:`dataclasses` semantics the resolve path relies on.

``apkneed resolve`` is timed as a whole process against apk-tools
(docs/benchmarks.md), and importing :mod:`dataclasses` loads :mod:`inspect`
(with ast, dis, tokenize, enum): several milliseconds of every run, for
classes that only need an ``__init__``, equality, a hash and a repr. A
:class:`Frozen` subclass names its fields in ``__slots__`` (in order) and
writes its own ``__init__`` with :data:`set_field`; it then compares, hashes
and prints like a ``@dataclass(frozen=True)`` with the same fields: equal
only to an instance of the very same class with equal fields, hashed as the
tuple of its fields, shown as ``Name(field=value, ...)``, pickled and
copied by its fields, and refusing assignment. ``_compared`` (default: every field) and ``_shown`` (default:
the compared ones) leave out a field as ``field(compare=False, repr=False)``
did. :meth:`Frozen.as_dict` is :func:`dataclasses.asdict` (the JSON form
of the records that are cached).
"""

from __future__ import annotations

#: how a :class:`Frozen` ``__init__`` sets a field (assignment itself is refused)
set_field = object.__setattr__


class Frozen:
    __slots__ = ()
    _compared: tuple[str, ...] | None = None
    _shown: tuple[str, ...] | None = None

    def __init_subclass__(cls, **kwargs: object) -> None:
        # A field written dataclass-style (an annotation in the class body) but
        # left out of ``__slots__`` would be silently missing from the instance:
        # refuse the class at import instead (costs a set comparison per class).
        super().__init_subclass__(**kwargs)
        annotated = [name for name in cls.__dict__.get("__annotations__", {}) if not name.startswith("_")]
        slots = cls.__dict__.get("__slots__", ())
        if annotated and list(slots) != annotated:
            raise TypeError(
                f"{cls.__qualname__}: __slots__ {tuple(slots)} must list the annotated fields {tuple(annotated)}, in order"
            )

    def _fields(self) -> tuple[str, ...]:
        return type(self).__slots__

    def _key(self) -> tuple:
        return tuple(getattr(self, name) for name in (self._compared or self._fields()))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._key() == other._key()  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        shown = self._shown or self._compared or self._fields()
        return f"{type(self).__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in shown)})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __reduce__(self):
        # pickle and copy restore a slotted object slot by slot through setattr, which a Frozen
        # refuses: rebuild it from its fields instead, as a frozen dataclass is pickled and copied
        return (_rebuilt, (type(self), tuple(getattr(self, name) for name in self._fields())))

    def replace(self, **changes):
        """A copy with ``changes`` (as :func:`dataclasses.replace`)."""
        values = {name: getattr(self, name) for name in self._fields()}
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"{type(self).__qualname__} has no field {sorted(unknown)[0]!r}")
        values.update(changes)
        return type(self)(**values)

    def as_dict(self) -> dict:
        """The record as plain data, as :func:`dataclasses.asdict` gives it (see :func:`as_plain`)."""
        return {name: as_plain(getattr(self, name)) for name in self._fields()}


def as_plain(value):
    """``value`` as :func:`dataclasses.asdict` makes a field's value plain: a record becomes a dict of
    all its fields in order (compared or not), a named tuple, tuple, list or dict a new one of the
    same type with its items (and keys) made plain. Any other value is returned as it is where
    asdict gives a deep copy: equal, and the same object for the immutable values records hold."""
    if isinstance(value, Frozen):
        return value.as_dict()
    if isinstance(value, (tuple, list)):
        if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple takes its items as arguments
            return type(value)(*[as_plain(item) for item in value])
        return type(value)(as_plain(item) for item in value)
    if isinstance(value, dict):
        return type(value)((as_plain(key), as_plain(item)) for key, item in value.items())
    return value


def _rebuilt(cls: type[Frozen], values: tuple) -> Frozen:
    """A ``cls`` with these field values (its ``__init__`` bypassed: the values are already its fields)."""
    made = cls.__new__(cls)
    for name, value in zip(cls.__slots__, values):
        set_field(made, name, value)
    return made
