"""Every use of typer's private API, in one place, each one guarded.

typer vendors click (``typer._click``) and keeps its completion helpers private, and
expctl needs a few of them: the completion script generator, the completion formats, a
click ``Context`` for the generated reference, ``CompletionItem``, and a parameter's value
type for readable placeholders in help. Supported: typer 0.28 and 0.29 (``pyproject.toml``;
CI runs the suite on both). ``tests/cli/test_typer_compat.py`` calls
:func:`missing_private_names`, so a typer release that moves one of these fails that test
by name instead of breaking a command.
"""

from __future__ import annotations

import functools
import importlib
import typing
from pathlib import Path
from typing import Any

# (module, attribute) pairs this module reads.
PRIVATE_NAMES = (
    ("typer._click.core", "Context"),
    ("typer._click.shell_completion", "CompletionItem"),
    ("typer._completion_shared", "get_completion_script"),
    ("typer._completion_classes", "completion_init"),
    ("typer._completion_classes", "_sanitize_help_text"),
    ("typer._click.exceptions", "UsageError"),
    ("typer._click.exceptions", "ClickException"),
)
# Names read only on typer 0.29 and later (see light_conversion).
PRIVATE_NAMES_SINCE_0_29: tuple[tuple[str, str], ...] = (("typer._coercion", "RuntimeParam"),)


def missing_private_names() -> list[str]:
    """The private names of :data:`PRIVATE_NAMES` this typer does not have."""
    import typer.core

    names: tuple[tuple[str, str], ...] = PRIVATE_NAMES
    if hasattr(typer.core.TyperOption, "get_runtime_param"):
        names += PRIVATE_NAMES_SINCE_0_29
    missing = []
    for module_name, attribute in names:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            missing.append(module_name)
            continue
        if not hasattr(module, attribute):
            missing.append(f"{module_name}.{attribute}")
    return missing


def click_usage_error(message: str, ctx: Any = None) -> Exception:
    """click's usage error (exit 2) for a command line that cannot be parsed."""
    from typer._click.exceptions import UsageError

    return UsageError(message, ctx)


def click_exception_types() -> tuple[type[Exception], type[Exception]]:
    """(UsageError, ClickException): what click raises for a bad command line."""
    from typer._click.exceptions import ClickException, UsageError

    return UsageError, ClickException


def click_context(command: Any, **settings: Any) -> Any:
    from typer._click.core import Context

    return Context(command, **settings)


def completion_item(value: str, help: str | None = None) -> Any:
    from typer._click.shell_completion import CompletionItem

    return CompletionItem(value, help=help)


def completion_script(*, prog_name: str, complete_var: str, shell: str) -> str:
    from typer._completion_shared import get_completion_script

    return str(get_completion_script(prog_name=prog_name, complete_var=complete_var, shell=shell))


def init_completion() -> None:
    """Register typer's completion formats (it does so only on request), with help text
    that skips rich when it holds no markup: typer passes every completion help text
    through rich, which loads rich on each Tab (~150 ms for zsh and fish); text without
    a ``[`` comes out of it unchanged."""
    import typer._completion_classes as classes

    classes.completion_init()
    skip_rich_for_plain_help(classes)


def skip_rich_for_plain_help(classes: Any) -> None:
    """Wrap ``classes._sanitize_help_text`` so text without markup skips rich (see above)."""
    through_rich = getattr(classes, "_sanitize_help_text", None)
    if through_rich is None or getattr(through_rich, "skips_rich", False):
        return  # not there, or already replaced by an earlier run in this process

    def sanitize(text: str) -> str:
        return text if "[" not in text else str(through_rich(text))

    sanitize.skips_rich = True  # type: ignore[attr-defined]
    classes._sanitize_help_text = sanitize


def plain_argument_help(param: Any) -> None:
    """Render an argument in help as typer 0.28 does, on 0.29 too.

    0.29 adds the value type to argument rows ("EXPERIMENT <str>") and a second "..." to
    variadic usage ("{EXPERIMENT...}..."); the generated reference and the README must not
    depend on which supported typer is installed. Per instance, so nothing global changes."""
    if getattr(param, "type_descriptor", None) is None or param.metavar is None:
        return  # typer 0.28, or no metavar of ours to show
    metavar = str(param.metavar)
    # A metavar starting with "[" already says the argument is optional.
    shown = metavar if metavar.startswith("[") else (f"{{{metavar}}}" if param.required else f"[{metavar}]")
    param.display_type_rich = lambda ctx: None
    param._usage_display_name = lambda: shown


def value_type(param: Any) -> str:
    """ "int", "float" or "str": what an option takes, for its placeholder in help.

    typer 0.28 keeps a click type on ``param.type`` (named "integer", "int range", …);
    0.29 keeps the annotation on ``param.type_descriptor``."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is not None:
        annotation = _unwrap(getattr(descriptor, "annotation", None))
        return {int: "int", float: "float"}.get(annotation, "str") if isinstance(annotation, type) else "str"
    name = str(getattr(getattr(param, "type", None), "name", ""))
    if name in ("integer", "int", "int range", "integer range"):
        return "int"
    if name in ("float", "float range"):
        return "float"
    return "str"


def _unwrap(annotation: Any) -> Any:
    """``int`` from ``int | None``, ``list[int]`` or ``Annotated[int, ...]``."""
    for _ in range(5):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if not args or isinstance(annotation, type):
            return annotation
        annotation = args[0]
    return annotation


_SIMPLE_TYPES = (str, int, float, bool, Path)
_TRUE = ("1", "true", "t", "yes", "y", "on")
_FALSE = ("0", "false", "f", "no", "n", "off")


def light_conversion(param: Any) -> None:
    """Convert a parameter's value without pydantic on typer 0.29 and later.

    typer 0.29 checks every value through a pydantic ``TypeAdapter`` built on first use
    (``get_runtime_param``), which costs ~95 ms of every run in imports alone. expctl's
    parameters are plain ``str``, ``int``, ``float``, ``bool`` or ``Path`` (or lists of
    them), some with ``min``/``max``: for those the converter is set here, with typer
    0.28's (click's) messages, so both supported versions say the same. Anything else
    is left to typer. A no-op on typer 0.28."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", None) is not None:
        return
    if descriptor.file_annotation is not None or descriptor.is_choice:
        return
    annotation = descriptor.annotation
    is_list = typing.get_origin(annotation) is list
    item = typing.get_args(annotation)[0] if is_list else annotation
    if item not in _SIMPLE_TYPES:
        return
    param._runtime_param = _light_param_class()(annotation, descriptor.parameter_info, item, is_list)


def light_conversion_for_help(command: Any) -> None:
    """The ``--help`` option too: click creates it on first use and caches it on the
    command; it is created here, from the names the command's own context settings give
    (every expctl app sets them), so that it is a light one."""
    names = (getattr(command, "context_settings", None) or {}).get("help_option_names")
    if not names or not hasattr(command, "get_help_option") or getattr(command, "_help_option", None) is not None:
        return
    import typer.core

    if not hasattr(typer.core.TyperOption, "get_runtime_param"):
        return  # typer 0.28: nothing to do
    option = command.get_help_option(click_context(command, help_option_names=names))
    if option is not None:
        light_conversion(option)


@functools.cache
def _light_param_class() -> type:
    from typer._coercion import RuntimeParam  # type: ignore[import-not-found,unused-ignore]

    class LightRuntimeParam(RuntimeParam):  # type: ignore[misc,unused-ignore]
        item: type
        is_list: bool

        def __init__(self, annotation: Any, parameter_info: Any, item: type, is_list: bool) -> None:
            # RuntimeParam is a frozen dataclass: its fields are set the way dataclasses do.
            for name, value in (
                ("annotation", annotation),
                ("parameter_info", parameter_info),
                ("item", item),
                ("is_list", is_list),
            ):
                object.__setattr__(self, name, value)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            info = self.parameter_info
            if self.is_list:
                return [_convert(self.item, v, info.min, info.max, param, ctx) for v in value]
            return _convert(self.item, value, info.min, info.max, param, ctx)

    return LightRuntimeParam


def _convert(item: type, value: Any, low: Any, high: Any, param: Any, ctx: Any) -> Any:
    """One value as typer 0.28 (click) converted it, with click's messages."""
    import typer

    if item is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise typer.BadParameter(f"{value!r} is not a valid boolean.", ctx=ctx, param=param)
    if item not in (int, float):
        return item(value)
    kind = "int" if item is int else "float"
    try:
        number = item(value)
    except (TypeError, ValueError):
        name = f"{kind} range" if low is not None or high is not None else kind
        raise typer.BadParameter(f"{value!r} is not a valid {name}.", ctx=ctx, param=param) from None
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            span = f"{low}<=x<={high}"
        else:
            span = f"x>={low}" if low is not None else f"x<={high}"
        raise typer.BadParameter(f"{number} is not in the range {span}.", ctx=ctx, param=param)
    return number
