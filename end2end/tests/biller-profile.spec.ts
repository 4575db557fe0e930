import { expect, test } from "@playwright/test";
import { adminOpens, fillCard, ownAccount, phone, ready } from "./helpers";
import { axe } from "./console-pages";

// The biller's Profile (help center A2): an administrator, from the site's
// root signed out, corrects a field named beside it, saves, and sees the
// preview; a payer then finds it under Customer Service and in the receipt
// of a One Time Payment. Every project saves the same values, so projects
// running at once agree on what payers see.

const NAME = "Lakeside Water & Light";

test("an administrator edits the Profile and payers see it under Customer Service and in a receipt", async ({ page, browser }, info) => {
  test.slow();
  await adminOpens(page, info, "Profile");
  await expect(page.getByLabel("Biller Key")).not.toHaveValue("");

  await page.getByLabel("Biller Name").fill(NAME);
  await page.getByLabel("Contact Information").fill("Jo Clerk, finance office");
  await page.getByLabel("Support Email").fill("help@lakeside.example");
  await page.getByLabel("Support Phone").fill("12");
  await page.getByLabel("Address").fill("1 Main St\nLakeside, ME 04000");
  // The ACH originator comes filled in from the configuration.
  await expect(page.getByLabel("Company ID")).toHaveValue("1234567890");
  await expect(page.getByLabel("ODFI Routing Number")).toHaveValue("091000019");
  await page.getByLabel("Company Name").fill(NAME);
  await page.getByRole("button", { name: "Save Changes" }).click();
  // Named beside its field; what was typed is kept.
  await expect(page.locator("#bp-support_phone-error")).toContainText("10-digit phone number");
  await expect(page.locator("#bp-ach_company_name-error")).toContainText("room for 16 characters");
  await expect(page.getByLabel("Biller Name")).toHaveValue(NAME);
  await ready(page, info);
  await axe(page, info, "Profile with an error");
  await page.getByLabel("Company Name").fill("Lakeside Water");
  await page.getByLabel("Support Phone").fill("(800) 555 0147");
  await page.getByRole("button", { name: "Save Changes" }).click();
  await expect(page.getByRole("status")).toContainText("Your changes were saved.");
  // The preview shows what was saved, the phone number kept as 800-555-0147.
  const preview = page.getByRole("region", { name: "Preview: Customer Service" });
  await expect(preview).toContainText(NAME);
  await expect(preview).toContainText("Phone: 800-555-0147");
  await expect(preview).not.toContainText("Jo Clerk");
  await expect(page.getByLabel("Company Name")).toHaveValue("Lakeside Water");
  await ready(page, info);
  await axe(page, info, "Profile");

  // A payer, signed out on a phone: Customer Service from the footer.
  const account = ownAccount(info, "BP");
  const payer = await phone(browser, info);
  await payer.goto("/p");
  await ready(payer, info);
  await payer.getByRole("link", { name: "Customer Service" }).click();
  await expect(payer.getByRole("heading", { name: "Customer Service" })).toBeVisible();
  await expect(payer.locator("address")).toContainText("Lakeside, ME 04000");
  await expect(payer.locator("address")).toContainText("Email: help@lakeside.example");
  await ready(payer, info);
  await axe(payer, info, "Customer Service");

  // One Time Payment's receipt names the biller as the Profile says.
  await payer.goto("/p/pay");
  await ready(payer, info);
  await payer.getByLabel("Account Number").fill(account);
  await payer.getByLabel("Last Name or Business Name").fill("Payer");
  await payer.getByRole("button", { name: "Continue" }).click();
  await expect(payer.locator(".account-card")).toContainText(account);
  await ready(payer, info);
  await payer.getByLabel("Payment Amount").fill("5.00");
  await fillCard(payer);
  await payer.getByRole("button", { name: "Next" }).click();
  await expect(payer.getByRole("heading", { name: "Confirm Payment" })).toBeVisible();
  await ready(payer, info);
  await payer.getByRole("button", { name: "Pay", exact: true }).click();
  await expect(payer.getByRole("heading", { name: "Thank you for your payment" })).toBeVisible();
  await expect(payer.locator("main")).toContainText(`${NAME} received your payment.`);
  await payer.context().close();
});
