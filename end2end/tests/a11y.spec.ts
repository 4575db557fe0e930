// axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) on the console's pages, at
// desktop and tablet size, with and without JavaScript: no violations, and
// no rule disabled. Without JavaScript, axe (itself a script) runs in a
// context that loads the page but not the client bundle, so what it checks
// is exactly the server's HTML, as a browser without JavaScript shows it.
import { test, expect, type Browser, type Page, type TestInfo } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { ADMIN, CSR, hasJs, ready, signIn } from "./helpers";

// A scan of a dozen pages is most of a minute of axe on a 2-core machine
// (31 to 35 s with a build beside it): twice the default test time.
test.describe.configure({ timeout: 60_000 });

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

const PAGES = [
  "/",
  "/payer-support",
  "/payer-support?by=account&q=100001",
  "/accounts/100001",
  "/pay/100001",
  "/reports",
  "/reports/payment-history",
  "/reports/aging",
  "/reports/settlement",
  "/reports/audit",
  "/settlements",
  "/approvals",
  "/admin/users",
  "/admin/roles",
  "/uploads",
];

/** Automatic payments' pages: a payer found by User ID, the payer's page,
 * Add Credit Card and Add Bank Account, and Set Up (both kinds). Their own
 * test, so that each scan fits in a test's time. */
const PLAN_PAGES = [
  "/payer-support?by=user&q=payer1",
  "/payer?user=payer1",
  "/payer/add-method?user=payer1&kind=card",
  "/payer/add-method?user=payer1&kind=bank",
  "/set-up/100001",
  "/set-up/100001?kind=bill_triggered",
];

/** The page axe scans: the test's own with JavaScript; without, a page in
 * a context that runs scripts (axe is one) but never loads the client
 * bundle (script and WebAssembly; the stylesheet still loads), so it shows
 * exactly the server's HTML. */
async function scannable(page: Page, browser: Browser, info: TestInfo): Promise<Page> {
  if (hasJs(info)) return page;
  const use = info.project.use;
  const context = await browser.newContext({
    baseURL: use.baseURL,
    viewport: use.viewport,
    hasTouch: use.hasTouch,
    javaScriptEnabled: true,
  });
  await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
  return context.newPage();
}

async function violations(page: Page, where: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return result.violations.map(
    (v) => `${where}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
}

/** Signs in as the administrator (scanning the sign-in page on the way
 * when asked) and scans each of `paths`; every violation found. */
async function scanPages(page: Page, browser: Browser, info: TestInfo, paths: string[], signInPage: boolean) {
  const p = await scannable(page, browser, info);
  const found: string[] = [];
  await p.goto("/");
  await ready(p, info);
  if (signInPage) found.push(...(await violations(p, "sign-in")));
  await signIn(p, info, ADMIN.login, ADMIN.password);
  await expect(p.getByRole("heading", { level: 1, name: "Home" })).toBeVisible();
  for (const path of paths) {
    const response = await p.goto(path);
    expect(response?.status(), `${path} is a page, not an error`).toBeLessThan(400);
    await ready(p, info);
    found.push(...(await violations(p, path)));
  }
  return found;
}

test("axe finds nothing on the sign-in page and the pages an administrator and a CSR use", async ({ page, browser }, info) => {
  expect(await scanPages(page, browser, info, PAGES, true)).toEqual([]);
});

test("axe finds nothing on automatic payments' pages, and in the Add Credit Card pop-up", async ({ page, browser }, info) => {
  const found = await scanPages(page, browser, info, PLAN_PAGES, false);
  if (hasJs(info)) {
    await page.goto("/payer?user=payer1");
    await ready(page, info);
    await page.getByRole("link", { name: "Add Credit Card" }).click();
    await expect(page.getByRole("dialog", { name: "Add Credit Card" })).toBeVisible();
    found.push(...(await violations(page, "the Add Credit Card pop-up")));
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
  expect(found).toEqual([]);
});
