"""The one-click fix of an invalid rule (no Qt here): when a name in its target is not in the data
but a close name is ("Polce" → "Police", difflib as the engine's own "did you mean"), the rule with
that name instead, offered only when it then applies."""

from __future__ import annotations

import difflib
from dataclasses import replace

from kcplanner.engine.codes import name_key
from kcplanner.scenario import Rule, Target

#: Target key → the Prepared vocabulary of its names.
VOCABS = (("fund", "funds"), ("department", "departments"), ("program", "programs"),
          ("account_class", "classes"), ("revenue_source", "sources"))


def close_name(names: list[str], name: str) -> str | None:
    """The closest known name (case and spacing ignored), or None."""
    hit = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if hit:
        return hit[0]
    by_key = {name_key(n): n for n in names}
    hit = difflib.get_close_matches(name_key(name), list(by_key), n=1, cutoff=0.6)
    return by_key[hit[0]] if hit else None


def names_of(prepared, key: str) -> list[str]:
    """The names a target key can take in the data (the app's target editor lists them)."""
    vocab = getattr(prepared, dict(VOCABS)[key], None)
    return list(vocab.names) if vocab is not None else []


def fix_for(prepared, rule: Rule) -> tuple[Rule, str] | None:
    """(the fixed rule, `use 'Police'`) when the rule is invalid for an unknown name with a close
    known one and the fixed rule applies; else None."""
    if prepared is None or prepared.rule_problem(rule) is None:
        return None
    target = rule.target
    changes, words = {}, []
    for key, attr in VOCABS:
        name = getattr(target, key)
        vocab = getattr(prepared, attr, None)
        if name is None or vocab is None or vocab.find(name) is not None:
            continue
        close = close_name(list(vocab.names), name)
        if close is None:
            return None
        changes[key] = close
        words.append(f"'{close}'")
    if not changes:
        return None
    fixed = replace(rule, target=Target(**{**target.to_dict(), **changes}))
    if prepared.rule_problem(fixed) is not None:
        return None
    return fixed, "use " + " and ".join(words)
