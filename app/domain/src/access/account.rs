//! Rules for accounts: what an email and a password must look like, and how long an account
//! stays locked after failed sign-ins.

use chrono::TimeDelta;

use crate::DomainError;

/// Shortest password accepted. NIST SP 800-63B asks for at least 8; a little more costs
/// nothing with a password manager.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Longest password accepted (Argon2 takes any length; this bounds the work per request).
const MAX_PASSWORD_LEN: usize = 256;
/// Failed sign-ins in a row before the account starts locking.
pub const LOCKOUT_AFTER: u32 = 5;
/// First lock period; it doubles with each further failure.
const FIRST_LOCK_SECS: i64 = 30;
/// Longest lock period.
const MAX_LOCK_SECS: i64 = 15 * 60;

/// A new account as someone asked for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    /// Sign-in address.
    pub email: String,
    /// Name shown on the board and in card histories; the email's local part when empty.
    pub name: String,
    /// The password in clear (hashed by the caller after validation).
    pub password: String,
    /// Whether the account manages the instance.
    pub instance_admin: bool,
}

impl NewUser {
    /// Checks and normalises the fields: the email lower-cased and trimmed, the name trimmed
    /// (or derived from the email), the password long enough.
    pub fn validate(self) -> Result<NewUser, DomainError> {
        let email = normalize_email(&self.email)?;
        validate_password(&self.password)?;
        let name = self.name.trim();
        let name = if name.is_empty() {
            email.split('@').next().unwrap_or(&email).to_string()
        } else if name.chars().count() > 100 {
            return Err(DomainError::invalid(
                "name",
                "must be at most 100 characters",
            ));
        } else {
            name.to_string()
        };
        Ok(NewUser {
            email,
            name,
            password: self.password,
            instance_admin: self.instance_admin,
        })
    }
}

/// Lower-cases and trims an email and checks its shape (`local@domain.tld`). Full RFC 5322
/// validation is pointless here: the address is a sign-in name, not a mailbox we write to.
pub fn normalize_email(raw: &str) -> Result<String, DomainError> {
    let email = raw.trim().to_lowercase();
    let bad = || DomainError::invalid("email", "must look like name@example.com");
    if email.len() > 254 || email.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(bad());
    }
    Ok(email)
}

/// Checks a new password's length (characters, not bytes).
pub fn validate_password(password: &str) -> Result<(), DomainError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(DomainError::invalid(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    if n > MAX_PASSWORD_LEN {
        return Err(DomainError::invalid(
            "password",
            format!("must be at most {MAX_PASSWORD_LEN} characters"),
        ));
    }
    Ok(())
}

/// How long an account stays locked after `failures` failed sign-ins in a row: nothing for
/// the first few, then 30 s, doubling up to 15 minutes. Growing delays stop guessing without
/// letting a stranger lock a colleague out for long.
pub fn lockout_after_failures(failures: u32) -> Option<TimeDelta> {
    if failures < LOCKOUT_AFTER {
        return None;
    }
    let doublings = (failures - LOCKOUT_AFTER).min(16);
    let secs = (FIRST_LOCK_SECS << doublings).min(MAX_LOCK_SECS);
    Some(TimeDelta::seconds(secs))
}
