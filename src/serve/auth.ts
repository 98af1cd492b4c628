import { timingSafeEqual } from 'node:crypto';

/**
 * Whether an Authorization header carries `Bearer <token>`; compared in constant time, so the time
 * taken says nothing of how much of a guess was right.
 */
export function hasBearerToken(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '', 'utf8');
  const wanted = Buffer.from(`Bearer ${token}`, 'utf8');
  // timingSafeEqual needs equal lengths; comparing with itself keeps the time independent of the guess.
  if (given.length !== wanted.length) {
    timingSafeEqual(wanted, wanted);
    return false;
  }
  return timingSafeEqual(given, wanted);
}
