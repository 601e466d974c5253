"""Under the node's strict Content-Security-Policy the pages and the API browser work, with no
violation reported by the browser, and the API browser loads nothing from elsewhere."""

from __future__ import annotations

from playwright.sync_api import Browser, ConsoleMessage, Request, expect


def test_pages_and_the_api_browser_run_under_the_policy(
    served_node: str, chromium: Browser
) -> None:
    context = chromium.new_context()
    page = context.new_page()
    complaints: list[str] = []
    elsewhere: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            complaints.append(message.text)

    def request(sent: Request) -> None:
        if not sent.url.startswith(served_node) and not sent.url.startswith("data:"):
            elsewhere.append(sent.url)

    page.on("console", console)
    page.on("request", request)
    page.goto(f"{served_node}/signup")
    expect(page.get_by_test_id("nav-signin")).to_be_visible()
    page.goto(f"{served_node}/api/docs")
    expect(page.get_by_text("commonwork").first).to_be_visible(timeout=20_000)
    expect(page.locator(".opblock").first).to_be_visible()  # the operations are drawn
    assert complaints == []
    assert elsewhere == []  # no CDN: the API browser is vendored
    context.close()
