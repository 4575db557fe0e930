// axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) on the console's pages, at
// desktop and tablet size, with and without JavaScript: no violations, and
// no rule disabled. Without JavaScript, axe (itself a script) runs in a
// context that loads the page but not the client bundle, so what it checks
// is exactly the server's HTML, as a browser without JavaScript shows it.
import { test, expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { ADMIN, hasJs, ready, signIn } from "./helpers";

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

async function violations(page: Page, where: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return result.violations.map(
    (v) => `${where}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
}

test("axe finds nothing on the sign-in page and the pages an administrator and a CSR use", async ({ page, browser }, info) => {
  let p = page;
  if (!hasJs(info)) {
    const use = info.project.use;
    const context = await browser.newContext({
      baseURL: use.baseURL,
      viewport: use.viewport,
      hasTouch: use.hasTouch,
      javaScriptEnabled: true,
    });
    // The client bundle (script and WebAssembly), not the stylesheet.
    await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
    p = await context.newPage();
  }
  const found: string[] = [];
  await p.goto("/");
  await ready(p, info);
  found.push(...(await violations(p, "sign-in")));
  await signIn(p, info, ADMIN.login, ADMIN.password);
  await expect(p.getByRole("heading", { level: 1, name: "Home" })).toBeVisible();
  for (const path of PAGES) {
    const response = await p.goto(path);
    expect(response?.status(), `${path} is a page, not an error`).toBeLessThan(400);
    await ready(p, info);
    found.push(...(await violations(p, path)));
  }
  expect(found).toEqual([]);
});
