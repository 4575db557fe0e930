//! What an audit row says happened: one closed list, so a typo cannot write
//! an action nobody will ever filter for, and the Audit Report can offer
//! every action by its label.

use super::account::coded_enum;
use serde::{Deserialize, Serialize};
use std::fmt;

coded_enum!(
    /// The `action` column of `audit_log`.
    AuditAction {
        SignIn => "auth.sign_in", "Signed in",
        SignInFailed => "auth.sign_in_failed", "Sign-in failed",
        SignInLocked => "auth.sign_in_locked", "Sign-in refused: locked",
        SignInInactive => "auth.sign_in_inactive", "Sign-in refused: inactive",
        SignInThrottled => "auth.sign_in_throttled", "Sign-in refused: too many from this address",
        SignInTemporaryExpired => "auth.sign_in_temporary_expired", "Sign-in refused: temporary password expired",
        Lockout => "auth.lockout", "Locked out",
        SignOut => "auth.sign_out", "Signed out",
        Timeout => "auth.timeout", "Session timed out",
        SessionLifetimeEnded => "auth.session_lifetime_ended", "Session reached its lifetime",
        SessionRevoked => "auth.session_revoked", "Session revoked",
        PasswordResetRequested => "auth.password_reset_requested", "Password reset requested",
        PasswordResetResend => "auth.password_reset_resend", "Security code resent",
        PasswordResetCodeSent => "auth.password_reset_code_sent", "Security code sent",
        PasswordResetCodeFailed => "auth.password_reset_code_failed", "Security code refused",
        PasswordReset => "auth.password_reset", "Password reset",
        PasswordResetThrottled => "auth.password_reset_throttled", "Password reset refused: too many",
        UsernameRequested => "auth.username_requested", "Username requested",
        UsernameSent => "auth.username_sent", "Username sent",
        UsernameThrottled => "auth.username_throttled", "Username request refused: too many",
        UserAdd => "user.add", "User added",
        UserActivate => "user.activate", "User activated",
        UserDeactivate => "user.deactivate", "User deactivated",
        UserUnlock => "user.unlock", "User unlocked",
        UserTemporaryPassword => "user.temporary_password", "Temporary password sent",
        UserEntitlements => "user.entitlements", "User entitlements changed",
        PasswordChanged => "user.password_changed", "Password changed",
        PasswordChangeFailed => "user.password_change_failed", "Password change refused",
        PasswordChangeLocked => "user.password_change_locked", "Password change locked the user",
        RoleEntitlements => "role.entitlements", "Role entitlements changed",
        RoleEntitlementsApplied => "role.entitlements_applied", "Role entitlements applied to users",
        PaymentOnBehalf => "payment.on_behalf", "Payment taken on behalf",
        PaymentByLink => "payment.link", "Payment made through a payment link",
        PaymentDeclined => "payment.declined", "Payment declined",
        PaymentLinkSent => "payment_link.sent", "Payment link sent",
        PaymentLinkOpened => "payment_link.opened", "Payment link opened",
        PaymentLinkRevoked => "payment_link.revoked", "Payment link revoked",
        OneTimeStarted => "payer.one_time", "One Time Payment started",
        OneTimeLocked => "payer.one_time_locked", "One Time Payment locked",
        OneTimeUnlocked => "payer.one_time_unlocked", "One Time Payment unlocked",
        PayerLocked => "payer.locked", "Enrolled payer locked",
        PayerUnlocked => "payer.unlocked", "Enrolled payer unlocked",
        PayerPasswordReset => "payer.password_reset", "Enrolled payer's temporary password set",
        PayerEmailChanged => "payer.email_changed", "Enrolled payer's email changed",
        BillerProfileSaved => "biller.profile", "Biller profile changed",
        CategoryAdded => "category.added", "Category line item added",
        CategoryEdited => "category.edited", "Category line item changed",
        CategoryDeleted => "category.deleted", "Category line item deleted",
        FeesSaved => "fees.saved", "Convenience fees changed",
        DivisionAdded => "division.added", "Division added",
        DivisionRenamed => "division.renamed", "Division renamed",
        DivisionAch => "division.ach", "Division's ACH company changed",
        UserDivisions => "user.divisions", "User's divisions changed",
        PaymentCancelReverse => "payment.cancel_reverse", "Cancel/Reverse",
        RefundRequested => "payment.refund_requested", "Refund awaiting approval",
        RefundApproved => "payment.refund_approved", "Refund approved",
        RefundRejected => "payment.refund_rejected", "Refund rejected",
        SavedMethodAdd => "saved_method.add", "Saved payment method added",
        SavedMethodDelete => "saved_method.delete", "Saved payment method deleted",
        PlanCreate => "plan.create", "Automatic payment set up",
        PlanCancel => "plan.cancel", "Automatic payment cancelled",
        PlanEnd => "plan.end", "Automatic payment ended",
        PlanOccurrence => "plan.occurrence", "Automatic payment scheduled",
        PlanSkipped => "plan.skipped", "Automatic payment skipped",
        AccountCreate => "account.create", "Account created",
        AccountUpdate => "account.update", "Account updated",
        AccountAdjustBalance => "account.adjust_balance", "Balance adjusted",
        BillUpdate => "bill.update", "Bill updated",
        UploadPreview => "upload.preview", "File previewed",
        UploadCommit => "upload.commit", "File committed",
        UploadAbandon => "upload.abandon", "File abandoned",
        UploadAccounts => "upload.accounts", "Accounts file applied",
        UploadBills => "upload.bills", "Bill file applied",
        UploadCategories => "upload.categories", "Category file applied",
        SettlementRun => "settlement.run", "Settlement run",
        AchDownload => "settlement.ach_download", "NACHA file downloaded",
        AchReturns => "ach.returns", "ACH returns read",
        KeysRotated => "keys.rotated", "Encryption key rotated",
        AuditExport => "report.audit_export", "Audit Report exported",
        ReportExport => "report.export", "Report exported",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_read_back() {
        let mut seen = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            assert!(seen.insert(a.code()), "{} twice", a.code());
            assert_eq!(AuditAction::decode(a.code()), Ok(*a));
        }
        assert!(AuditAction::decode("launch.missiles").is_err());
    }
}
