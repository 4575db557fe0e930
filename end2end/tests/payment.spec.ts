import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { CSR, hasJs, outboxHas, ready, signIn } from "./helpers";

// Accounts with a balance owed (docs/demo-data.md). Each test in each project
// pays its own account, so parallel tests never see each other's payments.
const OWING = [
  "100003", "100004", "100005", "100008", "100009", "100010", "100013", "100015", "100018", "100019",
  "100020", "100023", "100024", "100025", "100028", "100029", "100030", "100033", "100034", "100035",
];
const PROJECTS = ["desktop-js", "desktop-nojs", "tablet-js", "tablet-nojs"];
function accountFor(info: TestInfo, slot: number) {
  return OWING[PROJECTS.indexOf(info.project.name) * 5 + slot];
}

async function start(page: Page, info: TestInfo, account: string) {
  await page.goto(`/sign-in?next=/payer-support%3Fby%3Daccount%26q%3D${account}`);
  await signIn(page, info, CSR.login, CSR.password);
  await expect(page.getByRole("heading", { name: "Accounts Found" })).toBeVisible();
  await ready(page, info);
}

async function fillCard(page: Page, number: string) {
  await page.getByLabel("Name on card").fill("Pat Payer");
  await page.getByLabel("Card number").fill(number);
  await page.getByLabel("Expiry (MM/YY)").fill("12/34");
  await page.getByLabel("CVV").fill("123");
  await page.getByLabel("Billing ZIP").fill("02139");
}

async function openMakePayment(page: Page, info: TestInfo) {
  await page.getByRole("link", { name: /Make Payment on account/ }).click();
  await expect(page.getByRole("heading", { name: "Make Payment" })).toBeVisible();
  await ready(page, info);
}

test.describe("the account-balance payment", () => {
  test("a CSR takes a payment exactly as the help center describes", async ({ page }, info) => {
    const account = accountFor(info, 0);
    await start(page, info, account);
    const row = page.locator("#accounts-table tbody tr");
    await expect(row).toHaveCount(1);
    const balance = (await row.locator('td[data-label="Current Balance"]').innerText()).trim();
    await openMakePayment(page, info);
    // Prefilled: the account's email and the balance owed.
    await expect(page.getByLabel("Email for the receipt")).not.toHaveValue("");
    await expect(page.getByLabel("Payment Amount")).toHaveValue(balance.replace(/[$,]/g, ""));
    await page.getByLabel("Email for the receipt").fill("receipts@example.com");
    await page.getByLabel("Payment Amount").fill("12.34");
    await fillCard(page, "4242 4242 4242 4242");
    await page.getByRole("button", { name: "Confirm" }).click();

    await expect(page.getByRole("heading", { name: "Review Payment" })).toBeVisible();
    await expect(page.locator("dl.review")).toContainText("Visa •••• 4242");
    await expect(page.locator("dl.review")).toContainText("$12.34");
    await expect(page.locator("dl.review")).toContainText("receipts@example.com");
    await expect(page.locator("body")).not.toContainText("4242 4242 4242 4242");
    await ready(page, info);
    await page.getByRole("button", { name: "Make Payment" }).click();

    await expect(page.getByRole("heading", { name: "Thanks for the payment!" })).toBeVisible();
    const reference = (await page.locator(".reference").innerText()).trim();
    expect(reference).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    await expect(page.locator("dl.review")).toContainText("$12.34");
    await expect(page.locator("dl.review")).toContainText(account);
    await expect(page.locator("dl.review")).toContainText("receipts@example.com");
    await ready(page, info);
    await page.getByRole("link", { name: "Done" }).click();

    await expect(page).toHaveURL(new RegExp(`/payer-support\\?by=account&q=${account}$`));
    const payment = page.locator(`tr[data-reference="${reference}"]`);
    await expect(payment).toContainText("Pending");
    await expect(payment).toContainText("$12.34");
    await expect(payment).toContainText("csr");
    await expect.poll(() => outboxHas(reference), { timeout: 10_000 }).toBe(true);

    await ready(page, info);
    await page.getByRole("link", { name: reference }).click();
    await expect(page.getByRole("heading", { name: `Payment ${reference}` })).toBeVisible();
    await expect(page.locator("dl.detail")).toContainText("Visa •••• 4242");
    await expect(page.getByRole("heading", { name: "Status history" })).toBeVisible();
    await expect(page.locator("dl.detail")).toContainText(/Sent to receipts@example.com|Queued/);
  });

  test("a declined card says why and takes nothing", async ({ page }, info) => {
    await start(page, info, accountFor(info, 1));
    await openMakePayment(page, info);
    await page.getByLabel("Payment Amount").fill("9.99");
    await fillCard(page, "4000 0000 0000 0002");
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect(page.getByRole("heading", { name: "Review Payment" })).toBeVisible();
    await ready(page, info);
    await page.getByRole("button", { name: "Make Payment" }).click();
    await expect(page.getByRole("alert")).toContainText("declined: Card declined");
    await expect(page.getByRole("heading", { name: "Review Payment" })).toBeVisible();
  });

  test("Back from the review keeps the entries but never the card number or CVV", async ({ page }, info) => {
    await start(page, info, accountFor(info, 2));
    await openMakePayment(page, info);
    await page.getByLabel("Payment Amount").fill("5.55");
    await fillCard(page, "5555 5555 5555 4444");
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect(page.locator("dl.review")).toContainText("Mastercard •••• 4444");
    await ready(page, info);
    await page.getByRole("link", { name: "Back" }).click();
    await expect(page.getByRole("heading", { name: "Make Payment" })).toBeVisible();
    await expect(page.getByLabel("Payment Amount")).toHaveValue("5.55");
    await expect(page.getByLabel("Name on card")).toHaveValue("Pat Payer");
    await expect(page.getByLabel("Expiry (MM/YY)")).toHaveValue("12/34");
    await expect(page.getByLabel("Card number")).toHaveValue("");
    await expect(page.getByLabel("CVV")).toHaveValue("");
    // A review that can't be opened (expired, damaged) says so rather than
    // silently starting the form again.
    await page.goto(`/pay/${accountFor(info, 2)}?r=not-a-review`);
    await expect(page.getByRole("heading", { name: "Make Payment" })).toBeVisible();
    await expect(page.getByRole("alert").filter({ hasText: "could not be brought back" })).toContainText("no longer valid");
  });

  test("mistakes are named next to each field, in the browser and on the server", async ({ page }, info) => {
    await start(page, info, accountFor(info, 3));
    await openMakePayment(page, info);
    await page.getByLabel("Email for the receipt").fill("not-an-email");
    await page.getByLabel("Payment Amount").fill("1.005");
    await fillCard(page, "4242 4242 4242 4241");
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect(page.locator("#pay-email-error")).toContainText("Enter an email address");
    await expect(page.locator("#pay-amount-error")).toHaveText("Use at most 2 decimal places.");
    await expect(page.locator("#pay-card_number-error")).toContainText("not valid");
    await expect(page.getByLabel("Payment Amount")).toHaveAttribute("aria-invalid", "true");
    // Nothing typed is lost except what must never be echoed.
    await expect(page.getByLabel("Payment Amount")).toHaveValue("1.005");
    await expect(page.getByRole("heading", { name: "Make Payment" })).toBeVisible();
  });

  test("a double click on Make Payment makes one payment", async ({ page }, info) => {
    const account = accountFor(info, 4);
    await start(page, info, account);
    await openMakePayment(page, info);
    await page.getByLabel("Payment Amount").fill("3.21");
    await fillCard(page, "4242 4242 4242 4242");
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect(page.getByRole("heading", { name: "Review Payment" })).toBeVisible();
    await ready(page, info);
    await page.getByRole("button", { name: "Make Payment" }).dblclick();
    await expect(page.getByRole("heading", { name: "Thanks for the payment!" })).toBeVisible();
    await page.goto(`/payer-support?by=account&q=${account}`);
    await expect(page.locator("#payments-table tbody tr")).toHaveCount(1);
  });

  test("an enrolled payer's saved card is offered first and needs no card entry", async ({ page }, info) => {
    await start(page, info, "100002");
    await openMakePayment(page, info);
    await expect(page.getByRole("radio", { name: /Visa •••• 4242/ })).toBeChecked();
    await expect(page.getByRole("radio", { name: /Checking •••• 6789/ })).not.toBeChecked();
    await expect(page.getByLabel("Card number")).toBeHidden();
    await page.getByLabel("Payment Amount").fill("20.00");
    await page.getByRole("button", { name: "Confirm" }).click();
    await expect(page.getByRole("heading", { name: "Review Payment" })).toBeVisible();
    await expect(page.locator("dl.review")).toContainText("Visa •••• 4242");
    await expect(page.locator("dl.review")).toContainText("Maria Garcia");
  });
});
