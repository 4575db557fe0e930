import { expect, test } from "@playwright/test";
import { CSR, newUser, ready, signIn, sql } from "./helpers";

test.describe("staff sign-in", () => {
  test("a CSR signs in and lands where they were going", async ({ page }, info) => {
    await page.goto("/payer-support?by=user&q=payer1");
    await expect(page).toHaveURL(/\/sign-in\?next=/);
    await expect(page.getByRole("heading", { name: "Staff sign-in" })).toBeVisible();
    await signIn(page, info, CSR.login, CSR.password);
    await expect(page).toHaveURL(/\/payer-support\?by=user&q=payer1$/);
    await expect(page.getByTestId("signed-in-user")).toContainText("csr");
    await expect(page.getByTestId("signed-in-user")).toContainText("CSR");
    await expect(page.getByRole("heading", { name: "Accounts Found" })).toBeVisible();
    await expect(page.locator("#accounts-table tbody tr")).toHaveCount(3);
  });

  test("a wrong password gets the generic message and keeps the login ID", async ({ page }, info) => {
    // A user of its own: failures count towards a lockout.
    const user = newUser(info);
    await page.goto("/sign-in");
    await signIn(page, info, user.login, "not-the-password");
    await expect(page.getByRole("alert")).toContainText("Sign-in failed. Check your login ID and password.");
    await expect(page.getByLabel("Login ID")).toHaveValue(user.login);
    await expect(page.getByLabel("Password")).toHaveValue("");
  });

  test("empty fields are named next to each field", async ({ page }, info) => {
    await page.goto("/sign-in");
    await ready(page, info);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator("#login-error")).toHaveText("Enter your login ID.");
    await expect(page.locator("#password-error")).toHaveText("Enter your password.");
    await expect(page.getByLabel("Login ID")).toHaveAttribute("aria-invalid", "true");
  });

  test("five failures in a row lock the user, even against the right password", async ({ page }, info) => {
    const user = newUser(info);
    await page.goto("/sign-in");
    for (let i = 0; i < 5; i++) {
      await signIn(page, info, user.login, "wrong-password-" + i);
      // The attempt is over when the password has been cleared for retyping.
      await expect(page.getByLabel("Password")).toHaveValue("");
      await expect(page.getByRole("alert")).toContainText("Sign-in failed");
    }
    await signIn(page, info, user.login, user.password);
    await expect(page.getByRole("alert")).toContainText("Sign-in failed");
    await expect(page).toHaveURL(/\/sign-in/);
    await page.goto("/payer-support");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("sign out ends the session on the server", async ({ page, context }, info) => {
    await page.goto("/sign-in");
    await signIn(page, info, CSR.login, CSR.password);
    await expect(page.getByRole("heading", { level: 1, name: "Home" })).toBeVisible();
    const cookie = (await context.cookies()).find((c) => c.name === "paydesk_session");
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Strict");
    await ready(page, info);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in\?signed_out=1/);
    await expect(page.getByRole("status")).toHaveText("You have signed out.");
    // The old cookie opens nothing, even if a copy of it survived.
    await context.addCookies([{ ...cookie!, expires: -1 }]);
    await page.goto("/payer-support");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("a session idle for 30 minutes ends, and signing in again returns to the page", async ({ page }, info) => {
    const user = newUser(info);
    await page.goto("/sign-in?next=/payer-support%3Fby%3Daccount%26q%3D100003");
    await signIn(page, info, user.login, user.password);
    await expect(page.getByRole("heading", { name: "Accounts Found" })).toBeVisible();
    // Thirty-one minutes pass without a request from this CSR.
    sql(`UPDATE sessions SET last_seen_at = last_seen_at - 31*60*1000
         WHERE user_id = (SELECT id FROM staff_users WHERE login = '${user.login}')`);
    await page.reload();
    await expect(page).toHaveURL(/\/sign-in\?.*expired=1/);
    await expect(page.getByRole("status")).toContainText("Your session has ended");
    await signIn(page, info, user.login, user.password);
    await expect(page).toHaveURL(/\/payer-support\?by=account&q=100003$/);
  });
});
