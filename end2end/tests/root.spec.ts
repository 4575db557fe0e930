import { expect, test } from "@playwright/test";
import { CSR, ready, signIn } from "./helpers";

// Where a new user starts: the site's root, signed out. Every other spec
// starts at /sign-in, which is how "/" once landed on "Page not found"
// after a sign-in with JavaScript (the client router had no route for it).
test.describe("the site root", () => {
  test("signed out at /, a CSR signs in and lands on a real page with navigation", async ({ page }, info) => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in\?next=/);
    await expect(page.getByRole("heading", { name: "Staff sign-in" })).toBeVisible();
    await signIn(page, info, CSR.login, CSR.password);
    // CSRs have Reports by default, so their home is Home.
    await expect(page).toHaveURL(/\/$/);
    await ready(page, info);
    await expect(page.getByRole("heading", { name: "Page not found" })).toHaveCount(0);
    await expect(page.getByRole("heading", { level: 1, name: "Home" })).toBeVisible();
    const nav = page.getByRole("navigation", { name: "Main" });
    await expect(nav).toBeVisible();
    await expect(nav.getByRole("link", { name: "Payer Support" })).toBeVisible();
    await expect(page.getByTestId("signed-in-user")).toContainText("csr");
  });

  test("signed in, / opens the home page again", async ({ page }, info) => {
    await page.goto("/sign-in");
    await signIn(page, info, CSR.login, CSR.password);
    await expect(page).toHaveURL(/\/$/);
    await page.goto("/payer-support");
    await page.goto("/");
    await expect(page).toHaveURL(/\/$/);
    await ready(page, info);
    await expect(page.getByRole("heading", { level: 1, name: "Home" })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  });
});
