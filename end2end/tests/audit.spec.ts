import { expect, test } from "@playwright/test";
import * as fs from "node:fs";
import { ADMIN, ready, signIn } from "./helpers";

test("an administrator filters, sorts and exports the Audit Report", async ({ page }, info) => {
  await page.goto("/sign-in?next=/reports/audit");
  await signIn(page, info, ADMIN.login, ADMIN.password);
  await expect(page.getByRole("heading", { name: "Audit Report" })).toBeVisible();
  await ready(page, info);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Reports" })).toBeVisible();

  await page.getByLabel("Action", { exact: true }).selectOption("auth.sign_in");
  await page.getByLabel("Rows per page").selectOption("10");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/action=auth.sign_in/);
  await ready(page, info);
  const actions = page.locator("#audit-table tbody td[data-label='Action']");
  // Retried until the filtered page is the one shown: the unfiltered one's
  // newest row is often a sign-in too.
  await expect
    .poll(async () => {
      const shown = await actions.allInnerTexts();
      return shown.length > 0 && shown.length <= 10 && shown.every((t) => t === "auth.sign_in");
    })
    .toBe(true);

  await page.locator("#audit-table thead").getByRole("link", { name: /^User/ }).click();
  await expect(page).toHaveURL(/sort=user&dir=asc/);
  await expect(page.locator("#audit-table thead th[aria-sort='ascending']")).toContainText("User");

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  const csv = fs.readFileSync(await download.path(), "utf8");
  const lines = csv.trimEnd().split("\r\n");
  expect(lines[0]).toContain('"Time (UTC)"');
  expect(lines.length).toBeGreaterThan(1);
  for (const line of lines.slice(1)) expect(line).toContain('"auth.sign_in"');
});

test("a CSR cannot reach the Audit Report", async ({ page }, info) => {
  await page.goto("/sign-in?next=/reports/audit");
  await signIn(page, info, "csr", "paydesk-csr-demo-1");
  await expect(page.getByRole("heading", { name: "Audit Report" })).toBeVisible();
  await expect(page.getByRole("alert")).toContainText("You don't have permission to do that.");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit Report" })).toHaveCount(0);
});
