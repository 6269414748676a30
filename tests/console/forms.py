"""Filling a generated compose form as a person would: each value typed, picked or ticked
in the field whose `data-path` names it, list items added one by one."""

from __future__ import annotations

import json
from typing import Any

from playwright.async_api import Page


def _at(path: str) -> str:
    return f'[data-path="{path}"]'


async def fill_field(page: Page, path: str, value: Any) -> None:
    """Enter `value` in the field at `path` (and, for groups and lists, below it)."""
    if value is None:
        return
    field = page.locator(_at(path))
    widget = await field.get_attribute("data-widget")
    if await field.get_attribute("data-fixed"):
        return
    if widget == "object":
        for key, item in value.items():
            await fill_field(page, f"{path}.{key}", item)
    elif widget == "list":
        for index, item in enumerate(value):
            await page.locator(f"{_at(path)} > button.add-item").click()
            await fill_field(page, f"{path}[{index}]", item)
    elif widget == "choices":
        for item in value:
            await page.locator(f'{_at(path)} .choices input[value="{item}"]').check()
    elif widget == "checkbox":
        await field.locator("> label > .value").set_checked(bool(value))
    elif widget == "tristate":
        await field.locator("> label > .value").select_option("true" if value else "false")
    elif widget == "select":
        await field.locator("> label > .value").select_option(str(value))
    elif widget == "lines":
        await field.locator("> label > .value").fill("\n".join(map(str, value)))
    else:
        await field.locator("> label > .value").fill(str(value))


async def fill_envelope(page: Page, fields: dict[str, Any]) -> None:
    """Enter envelope fields (`recipients`, `case_refs`, `priority`...) at `$.<key>`."""
    folded = page.locator("form#compose details")
    if await folded.count():
        await folded.evaluate("details => { details.open = true; }")
    for key, value in fields.items():
        await fill_field(page, f"$.{key}", value)


async def preview(page: Page) -> dict[str, Any]:
    """The envelope the form builds now, as its "Show as JSON" button shows it."""
    shown = page.locator("#preview")
    await shown.evaluate("pre => { pre.hidden = true; pre.textContent = ''; }")
    await page.click("#preview-button")
    await shown.wait_for(state="visible")
    document: dict[str, Any] = json.loads(await shown.text_content() or "{}")
    return document
