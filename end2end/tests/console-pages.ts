// The console's pages and the browser pages that check them, shared by the
// accessibility specs (a11y.spec.ts: axe; a11y-layout.spec.ts: reflow,
// targets, colors, titles, focus).
import { expect, type Browser, type Page, type TestInfo } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { ADMIN, hasJs, ready, signIn } from "./helpers";

export const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

/** Every page an administrator or a CSR reaches from the menu, with data. */
export const PAGES = [
  "/",
  "/payer-support",
  "/payer-support?by=account&q=100001",
  "/accounts/100001",
  "/pay/100001",
  "/send-link/100001",
  "/p/pay",
  "/p",
  "/p/register",
  "/p/registered",
  "/p/forgot",
  "/reports",
  "/reports/payment-history",
  "/reports/reconciliation",
  "/reports/settlement",
  "/reports/enrollment",
  "/reports/aging",
  "/reports/activity",
  "/reports/audit",
  "/settlements",
  "/approvals",
  "/admin/users",
  "/admin/users/csr",
  "/admin/roles",
  "/admin/profile",
  "/admin/categories",
  "/admin/categories?add=1",
  "/admin/fees",
  "/admin/divisions",
  "/admin/divisions?add=1",
  "/admin/divisions?rename=1",
  "/p/customer-service",
  "/uploads",
  "/account/password",
];

/** Automatic payments' pages: a payer found by User ID, the payer's page,
 * Add Credit Card and Add Bank Account, and Set Up (both kinds). */
export const PLAN_PAGES = [
  "/payer-support?by=user&q=payer1",
  "/payer?user=payer1",
  "/payer/add-method?user=payer1&kind=card",
  "/payer/add-method?user=payer1&kind=bank",
  "/set-up/100001",
  "/set-up/100001?kind=bill_triggered",
];

/** Empty states: a search that finds nothing, a report filtered to nothing. */
export const EMPTY_PAGES = [
  "/payer-support?by=account&q=999999999",
  "/reports/payment-history?from=2001-01-01&to=2001-01-02",
];

export interface Look {
  colorScheme?: "light" | "dark";
  viewport?: { width: number; height: number };
}

/** The page a check runs in. With JavaScript: the test's own (in the look
 * asked for). Without: a page in a context that runs scripts (axe and the
 * checks are scripts) but never loads the client bundle (script and
 * WebAssembly; the stylesheet still loads), so it shows exactly the
 * server's HTML, as a browser without JavaScript does. */
export async function scannable(page: Page, browser: Browser, info: TestInfo, look: Look = {}): Promise<Page> {
  if (hasJs(info)) {
    if (look.colorScheme) await page.emulateMedia({ colorScheme: look.colorScheme });
    if (look.viewport) await page.setViewportSize(look.viewport);
    return page;
  }
  const use = info.project.use;
  const context = await browser.newContext({
    baseURL: use.baseURL,
    viewport: look.viewport ?? use.viewport,
    hasTouch: use.hasTouch,
    javaScriptEnabled: true,
    colorScheme: look.colorScheme ?? "light",
  });
  await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
  return context.newPage();
}

/** axe's violations on the page as it is now, one line each. */
export async function violations(page: Page, where: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return result.violations.map(
    (v) => `${where}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
}

/** Signs `p` in as the administrator from the site's root (asking `atRoot`
 * about the sign-in page on the way). */
export async function signInAdmin(p: Page, info: TestInfo, atRoot?: (p: Page) => Promise<void>) {
  await p.goto("/");
  await ready(p, info);
  if (atRoot) await atRoot(p);
  await signIn(p, info, ADMIN.login, ADMIN.password);
  await expect(p.getByRole("heading", { level: 1, name: "Home" })).toBeVisible();
}

/** Opens each of `paths` on a signed-in `p` and runs `check` there; every
 * line it returns. */
export async function eachPage(
  p: Page,
  info: TestInfo,
  paths: string[],
  check: (p: Page, path: string) => Promise<string[]>,
): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    const response = await p.goto(path);
    expect(response?.status(), `${path} is a page, not an error`).toBeLessThan(400);
    await ready(p, info);
    found.push(...(await check(p, path)));
  }
  return found;
}

/** axe on the payer's page as it is now (with JavaScript: axe is a script). */
export async function axe(p: Page, info: TestInfo, where: string) {
  if (hasJs(info)) expect(await violations(p, where)).toEqual([]);
}
