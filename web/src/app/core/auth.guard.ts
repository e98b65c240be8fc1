import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';

import { AuthService, LANDING, safeReturnUrl } from './auth.service';

/** Signed-in agents only; others go to the sign-in screen, which brings them back here. */
export const authGuard: CanActivateFn = (_route, state) => {
  const auth = inject(AuthService);
  if (auth.agent) return true;
  const asked = safeReturnUrl(state?.url);
  const returnUrl = asked === LANDING ? null : asked;
  return inject(Router).createUrlTree(['/login'], returnUrl ? { queryParams: { returnUrl } } : {});
};

/** Admins only; other agents are sent to the tickets list. */
export const adminGuard: CanActivateFn = () => {
  const auth = inject(AuthService);
  if (!auth.agent) return inject(Router).createUrlTree(['/login']);
  return auth.isAdmin ? true : inject(Router).createUrlTree(['/tickets']);
};
