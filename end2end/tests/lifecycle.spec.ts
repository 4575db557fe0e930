import { expect, test } from "@playwright/test";
import { cancelReverse, openMakePaymentFor, openPayment, takePayment } from "./helpers";

// One account per project, so parallel projects never share payments.
const VOID_ACCOUNT: Record<string, string> = {
  "desktop-js": "100006",
  "desktop-nojs": "100007",
  "tablet-js": "100011",
  "tablet-nojs": "100012",
};

test("a Pending ACH payment is voided from Payments Found", async ({ page }, info) => {
  const account = VOID_ACCOUNT[info.project.name];
  await openMakePaymentFor(page, info, account);
  const reference = await takePayment(page, info, "18.25", "000123454321");
  await page.getByRole("link", { name: "Done" }).click();
  const row = page.locator(`#payments-table tbody tr[data-reference="${reference}"]`);
  await expect(row).toContainText("Pending");
  await row.getByRole("link", { name: "Cancel/Reverse" }).click();
  await expect(page.getByRole("heading", { name: "Cancel/Reverse" })).toBeVisible();

  // Nothing happens without a reason and the confirmation.
  const panel = page.locator("#cancel-reverse");
  await panel.getByRole("button", { name: "Confirm" }).click();
  await expect(panel.getByText("Choose a reason.")).toBeVisible();
  await expect(panel.getByText("Tick the box to confirm.")).toBeVisible();

  await cancelReverse(page, info, /^Void/);
  await expect(page.locator("dl.detail")).toContainText("Cancelled");
  await expect(page.locator("#actions-table")).toContainText("Void");
  await expect(page.locator("#actions-table")).toContainText("Payer asked for it");
  await expect(page.locator("#cancel-reverse")).toHaveCount(0);

  await openPayment(page, info, reference);
  await expect(page.locator("dl.detail")).toContainText("Cancellation notice");
});

const SCHEDULE_ACCOUNT: Record<string, string> = {
  "desktop-js": "100031",
  "desktop-nojs": "100032",
  "tablet-js": "100036",
  "tablet-nojs": "100037",
};

/** A date a few days ahead in the biller's zone, as the date field takes it. */
function daysAhead(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toLocaleDateString("en-CA", { timeZone: "America/New_York" });
}

test("a future-dated payment is Scheduled and cancelled before it processes", async ({ page }, info) => {
  await openMakePaymentFor(page, info, SCHEDULE_ACCOUNT[info.project.name]);
  // Weeks ahead: the plans spec runs the scheduler for the next few days.
  await page.getByLabel("Payment Date").fill(daysAhead(20));
  const reference = await takePayment(page, info, "27.00");
  await expect(page.locator("dl.review")).toContainText("Scheduled");
  await page.getByRole("link", { name: "Done" }).click();
  const row = page.locator(`#payments-table tbody tr[data-reference="${reference}"]`);
  await expect(row).toContainText("Scheduled");
  await row.getByRole("link", { name: "Cancel/Reverse" }).click();
  await expect(page.getByRole("heading", { name: "Cancel/Reverse" })).toBeVisible();
  await cancelReverse(page, info, /^Cancel:/);
  await expect(page.locator("dl.detail")).toContainText("Cancelled");
  await expect(page.locator("#actions-table")).toContainText("Cancel");
});
