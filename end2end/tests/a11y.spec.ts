// axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) on the console's pages, at
// desktop and tablet size, with and without JavaScript, in the light and
// the dark theme: no violations, and no rule disabled. Without JavaScript,
// axe (itself a script) runs in a context that loads the page but not the
// client bundle, so what it checks is exactly the server's HTML, as a
// browser without JavaScript shows it (console-pages.ts: scannable).
import { test, expect, type Browser, type Page, type TestInfo } from "@playwright/test";
import { CSR, hasJs, ready, signIn } from "./helpers";
import { EMPTY_PAGES, PAGES, PLAN_PAGES, eachPage, scannable, signInAdmin, violations, type Look } from "./console-pages";

// A scan of twenty pages is most of a minute of axe on a 2-core machine
// (31 to 35 s for a dozen with a build beside it): twice that, and more.
test.describe.configure({ timeout: 120_000 });

/** Signs in as the administrator (scanning the sign-in page on the way
 * when asked) and scans each of `paths`; every violation found. */
async function scanPages(page: Page, browser: Browser, info: TestInfo, paths: string[], signInPage: boolean, look: Look = {}) {
  const p = await scannable(page, browser, info, look);
  const found: string[] = [];
  await signInAdmin(p, info, signInPage ? async (at) => void found.push(...(await violations(at, "sign-in"))) : undefined);
  found.push(...(await eachPage(p, info, paths, (at, path) => violations(at, path))));
  return found;
}

test("axe finds nothing on the sign-in page and the pages an administrator and a CSR use", async ({ page, browser }, info) => {
  expect(await scanPages(page, browser, info, PAGES, true)).toEqual([]);
});

// The dark theme (prefers-color-scheme), in two tests so that each scan
// fits in a test's time.
const DARK = { colorScheme: "dark" } as const;

test("axe finds nothing in the dark theme, on the sign-in page and the pages an administrator and a CSR use", async ({ page, browser }, info) => {
  expect(await scanPages(page, browser, info, PAGES, true, DARK)).toEqual([]);
});

test("axe finds nothing in the dark theme on automatic payments' pages and empty tables", async ({ page, browser }, info) => {
  expect(await scanPages(page, browser, info, [...PLAN_PAGES, ...EMPTY_PAGES], false, DARK)).toEqual([]);
});

test("axe finds nothing on empty tables: a search that finds nothing, a report filtered to nothing", async ({ page, browser }, info) => {
  expect(await scanPages(page, browser, info, EMPTY_PAGES, false)).toEqual([]);
});

test("axe finds nothing on automatic payments' pages, and in the Add Credit Card pop-up", async ({ page, browser }, info) => {
  const found = await scanPages(page, browser, info, PLAN_PAGES, false);
  if (hasJs(info)) {
    await page.goto("/payer?user=payer1");
    await ready(page, info);
    await page.getByRole("link", { name: "Add Credit Card" }).click();
    await expect(page.getByRole("dialog", { name: "Add Credit Card" })).toBeVisible();
    found.push(...(await violations(page, "the Add Credit Card pop-up")));
    // Closed (Escape), it gives focus back to the button that opened it.
    await page.keyboard.press("Escape");
    await expect(page.getByRole("dialog", { name: "Add Credit Card" })).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Add Credit Card" })).toBeFocused();
  }
  expect(found).toEqual([]);
});

// Accounts no other spec pays (businesses whose payers saved no method),
// so a payment here never changes what another spec reads.
const ACCOUNTS: Record<string, string> = {
  "desktop-js": "100049",
  "desktop-nojs": "100049",
  "tablet-js": "100050",
  "tablet-nojs": "100050",
};

test("axe finds nothing with a form's errors shown, on the review, and on the payment taken", async ({ page, browser }, info) => {
  const p = await scannable(page, browser, info);
  const account = ACCOUNTS[info.project.name.replace(/^a11y-/, "")];
  const found: string[] = [];
  await p.goto(`/sign-in?next=/pay/${account}`);
  await signIn(p, info, CSR.login, CSR.password);
  await expect(p.getByRole("heading", { name: "Make Payment" })).toBeVisible();
  await ready(p, info);
  await p.getByLabel("Payment Amount").fill("1.005");
  await p.getByLabel("Card number").fill("4242 4242 4242 4241");
  await p.getByRole("button", { name: "Confirm" }).click();
  await expect(p.locator("#pay-amount-error")).toHaveText("Use at most 2 decimal places.");
  await expect(p.locator("#pay-card_number-error")).toContainText("not valid");
  found.push(...(await violations(p, "Make Payment with errors")));
  await p.getByLabel("Payment Amount").fill("1.25");
  await p.getByLabel("Name on card").fill("Pat Payer");
  await p.getByLabel("Card number").fill("4242 4242 4242 4242");
  await p.getByLabel("Expiry (MM/YY)").fill("12/34");
  await p.getByLabel("CVV").fill("123");
  await p.getByLabel("Billing ZIP").fill("02139");
  await p.getByRole("button", { name: "Confirm" }).click();
  await expect(p.getByRole("heading", { name: "Review Payment" })).toBeVisible();
  await ready(p, info);
  found.push(...(await violations(p, "Review Payment")));
  await p.getByRole("button", { name: "Make Payment" }).click();
  await expect(p.getByRole("heading", { name: "Thanks for the payment!" })).toBeVisible();
  await ready(p, info);
  found.push(...(await violations(p, "Thanks")));
  // The payment's page, and its Cancel/Reverse confirmation refused with
  // its messages shown.
  const reference = (await p.locator(".reference").innerText()).trim();
  await p.goto(`/payments/${reference}`);
  await ready(p, info);
  await p.locator("#cancel-reverse").getByRole("button", { name: "Confirm" }).click();
  await expect(p.locator("#cancel-reverse").getByText("Tick the box to confirm.")).toBeVisible();
  await ready(p, info);
  found.push(...(await violations(p, "Cancel/Reverse refused")));
  expect(found).toEqual([]);
});
