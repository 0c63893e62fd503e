"""Every event action the code writes has words in the event log pages.

The actions are collected from the source: the action argument of every call of
`events.services.record` and of every function that passes an action on to it (such as
`discussion.services.change_state`). Names given indirectly (a module constant, a dict of
actions, a conditional, an f-string) are followed; anything this test cannot resolve fails
it, so a new way of naming an action cannot slip past.
"""

import ast
from pathlib import Path

from flask_babel import force_locale

from participation.discussion.models import ContributionKind
from participation.moderation.status_views import ACTION_WORDS

PACKAGE = Path(__file__).resolve().parent.parent / "participation"

# The values the placeholders of f-string actions take (given the module's constants): a
# direction is checked against the module's DIRECTIONS before anything is recorded.
PLACEHOLDERS = {
    "kind.value": lambda constants: [kind.value for kind in ContributionKind],
    "direction": lambda constants: list(ast.literal_eval(constants["DIRECTIONS"])),
}


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                constants[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            constants[node.target.id] = node.value
    return constants


def _expand_fstring(node: ast.JoinedStr, constants, where: str) -> list[str]:
    results = [""]
    for part in node.values:
        if isinstance(part, ast.Constant):
            results = [prefix + str(part.value) for prefix in results]
        else:
            name = ast.unparse(part.value)
            assert name in PLACEHOLDERS, f"{where}: add the values of {{{name}}} to PLACEHOLDERS"
            values = PLACEHOLDERS[name](constants)
            results = [prefix + value for prefix in results for value in values]
    return results


def _resolve(node, constants, parameters, where) -> list[str] | None:
    """The action names an expression can stand for; None for a parameter passed through."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return _expand_fstring(node, constants, where)
    if isinstance(node, ast.IfExp):
        return _resolve(node.body, constants, parameters, where) + _resolve(
            node.orelse, constants, parameters, where
        )
    if isinstance(node, ast.Name):
        if node.id in constants:
            return _resolve(constants[node.id], constants, parameters, where)
        if node.id in parameters:
            return None  # e.g. change_state(action=...): its callers are checked
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        table = constants.get(node.value.id)
        if isinstance(table, ast.Dict):
            names = []
            for value in table.values:
                names += _resolve(value, constants, parameters, where)
            return names
    raise AssertionError(f"{where}: cannot tell which action `{ast.unparse(node)}` records")


def _action_argument(call: ast.Call, recorders: dict[str, tuple[str, int]]):
    """The expression a call passes as the action, if it calls a recording function."""
    name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
    if name not in recorders:
        return None
    keyword, position = recorders[name]
    for k in call.keywords:
        if k.arg == keyword:
            return k.value
    if position < len(call.args):
        return call.args[position]
    return None


def _parameters(function: ast.FunctionDef) -> list[str]:
    return [a.arg for a in function.args.posonlyargs + function.args.args]


def written_actions() -> dict[str, str]:
    """Every action name the package records, with where it is written. Functions that
    pass one of their parameters on as the action (`change_state(..., action=...)`) are
    recording functions too; their callers are followed instead."""
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        modules.append((path, _module_constants(tree), functions))
    # name -> (keyword, position) of the action argument
    recorders: dict[str, tuple[str, int]] = {"record": ("action", 0)}
    changed = True
    while changed:
        changed = False
        for _path, _constants, functions in modules:
            for function in functions:
                if function.name in recorders:
                    continue
                positional = _parameters(function)
                names = set(positional) | {a.arg for a in function.args.kwonlyargs}
                for call in ast.walk(function):
                    if not isinstance(call, ast.Call):
                        continue
                    argument = _action_argument(call, recorders)
                    if isinstance(argument, ast.Name) and argument.id in names:
                        index = positional.index(argument.id) if argument.id in positional else 99
                        recorders[function.name] = (argument.id, index)
                        changed = True
                        break
    found = {}
    for path, constants, functions in modules:
        for function in functions:
            if function.name in recorders and function.name != "record":
                continue  # passes its caller's action on
            parameters = set(_parameters(function)) | {a.arg for a in function.args.kwonlyargs}
            for call in ast.walk(function):
                if not isinstance(call, ast.Call):
                    continue
                argument = _action_argument(call, recorders)
                if argument is None:
                    continue
                where = f"{path.relative_to(PACKAGE.parent)}:{call.lineno}"
                for action in _resolve(argument, constants, parameters, where) or []:
                    found.setdefault(action, where)
    return found


def test_the_scan_finds_the_actions_it_must():
    actions = written_actions()
    for expected in (
        "comment.created",
        "idea.created",
        "contribution.revised",
        "moderation.rejected",
        "moderation.reviewed",
        "contribution.status_changed",
        "department.created",
        "account.deactivated",
        "section.moved_down",
        "netiquette_reason.moved_up",
        "netiquette_reason.deleted",
    ):
        assert expected in actions


def test_every_written_action_has_words_in_both_languages(app):
    actions = written_actions()
    missing = {action: where for action, where in actions.items() if action not in ACTION_WORDS}
    assert missing == {}
    words = {}
    for locale in ("de", "en"):
        with app.test_request_context(), force_locale(locale):
            words[locale] = {action: str(ACTION_WORDS[action]) for action in actions}
    untranslated = [a for a in actions if words["de"][a] == words["en"][a]]
    assert untranslated == []
    assert all(words["en"][a] not in ("", a) for a in actions)
