const SPECIALS = '!@#$%^&*()_+-=';

/**
 * The documented policy for esAdminPassword: 8 to 32 characters, at least three of upper case, lower
 * case, digits and specials, and specials only from `!@#$%^&*()_+-=`. Returns what is wrong, never the
 * password itself.
 */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 8 || password.length > 32) return 'must be 8 to 32 characters long';
  let upper = false;
  let lower = false;
  let digit = false;
  let special = false;
  for (const ch of password) {
    if (ch >= 'A' && ch <= 'Z') upper = true;
    else if (ch >= 'a' && ch <= 'z') lower = true;
    else if (ch >= '0' && ch <= '9') digit = true;
    else if (SPECIALS.includes(ch)) special = true;
    else return `may contain only letters, digits and the special characters ${SPECIALS}`;
  }
  const kinds = Number(upper) + Number(lower) + Number(digit) + Number(special);
  return kinds >= 3 ? undefined : 'must contain at least three of: upper case letters, lower case letters, digits, special characters';
}
