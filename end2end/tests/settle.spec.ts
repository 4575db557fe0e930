import { expect, test } from "@playwright/test";
import * as fs from "node:fs";
import { ADMIN, cancelReverse, hasJs, openMakePaymentFor, openPayment, ready, settle, signIn, takePayment } from "./helpers";

// Each settle moves every Pending payment: these run one after another.
test.describe.configure({ mode: "serial" });
const desktop = (name: string) => name.includes("desktop");

// Runs after every other project (playwright.config.ts): settling moves
// every Pending card payment, so it must not race the tests that expect one.
test("a Pending payment turns Processed after `paydesk settle`", async ({ page }, info) => {
  await openMakePaymentFor(page, info, desktop(info.project.name) ? "100038" : "100039");
  await takePayment(page, info, "2.50");
  await page.getByRole("link", { name: "Done" }).click();
  const row = page.locator("#payments-table tbody tr").first();
  await expect(row).toContainText("Pending");
  await ready(page, info);

  settle();
  if (hasJs(info)) {
    // No reload: the page asks for Pending statuses every few seconds.
    await expect(row).toContainText("Processed", { timeout: 10_000 });
    await expect(page.getByRole("status").filter({ hasText: "is now Processed" })).toHaveCount(1);
  } else {
    await page.reload();
    await expect(row).toContainText("Processed");
  }
});

test("two partial refunds and a Full Reversal of a card payment, never above what is left", async ({ page }, info) => {
  await openMakePaymentFor(page, info, desktop(info.project.name) ? "100016" : "100017");
  const reference = await takePayment(page, info, "100.00");
  settle();
  await openPayment(page, info, reference);
  const detail = page.locator("dl.detail");
  await expect(detail).toContainText("Processed");

  await cancelReverse(page, info, /^Partial refund/, "20.00");
  await expect(detail).toContainText("Processed**");
  await expect(detail).toContainText("Refunded $20.00 of $100.00");
  await cancelReverse(page, info, /^Partial refund/, "30.00");
  await expect(detail).toContainText("Refunded $50.00 of $100.00");

  // Above the refundable amount: a clear message next to the amount, nothing moves.
  await cancelReverse(page, info, /^Partial refund/, "60.00");
  await expect(page.locator("#cr-amount-error")).toHaveText("At most $50.00 can still be refunded.");
  await expect(page.getByLabel("Refund amount")).toHaveValue("60.00");
  await expect(detail).toContainText("Refunded $50.00 of $100.00");

  await cancelReverse(page, info, /^Full Reversal/);
  await expect(detail).toContainText("Refunded $100.00 of $100.00");
  await expect(page.locator("#cancel-reverse")).toHaveCount(0);
  await expect(page.locator("#actions-table tbody tr")).toHaveCount(3);
});

test("an ACH return shows up as Failed with its code", async ({ page }, info) => {
  // The sandbox bank returns account numbers ending 0001 as R01.
  await openMakePaymentFor(page, info, desktop(info.project.name) ? "100021" : "100022");
  const reference = await takePayment(page, info, "45.00", "7770001");
  settle(); // sent in the NACHA file
  settle(); // the bank's return arrives
  await openPayment(page, info, reference);
  await expect(page.locator("dl.detail")).toContainText("Failed");
  await expect(page.locator("dl.detail")).toContainText("R01 Insufficient Funds");
  await expect(page.locator("dl.detail")).toContainText("Return notice");
});

test("an administrator runs settlement now and downloads the NACHA file", async ({ page }, info) => {
  await openMakePaymentFor(page, info, desktop(info.project.name) ? "100026" : "100027");
  await takePayment(page, info, "12.00", "000555666777");
  await page.getByRole("button", { name: "Sign out" }).click();
  // Signed out before the next page is asked for (with JavaScript the sign-out is a request of its own).
  await expect(page).toHaveURL(/\/sign-in\?signed_out=1/);
  await page.goto("/sign-in?next=/settlements");
  await signIn(page, info, ADMIN.login, ADMIN.password);
  await expect(page.getByRole("heading", { name: "Settlement" })).toBeVisible();
  await ready(page, info);
  // The tick is required: left empty, the browser refuses to send the form.
  await page.getByRole("button", { name: "Run settlement now" }).click();
  await expect(page.locator('input[name="confirm"]:invalid')).toHaveCount(1);
  await page.getByRole("checkbox", { name: /Yes, capture the cards/ }).check();
  await page.getByRole("button", { name: "Run settlement now" }).click();
  await ready(page, info);
  const newest = page.locator("#settlements-table tbody tr").first();
  await expect(newest).toContainText("admin");
  await expect(newest).toContainText(/PPD BILL PAY: \d+ entries/);
  const link = newest.getByRole("link", { name: /^PAYDESK-\d{8}-\d+\.ach$/ });
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const file = fs.readFileSync(await download.path(), "ascii");
  const lines = file.trimEnd().split("\n");
  expect(lines.length % 10).toBe(0);
  expect(lines.every((l) => l.length === 94)).toBe(true);
  expect(lines[0].startsWith("101")).toBe(true);
});
