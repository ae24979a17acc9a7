"""End-to-end tests in a real browser (headless Chromium driven by Playwright)."""
