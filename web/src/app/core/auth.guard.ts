import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';

import { AuthService } from './auth.service';

/** Signed-in agents only; others go to the sign-in screen. */
export const authGuard: CanActivateFn = () => {
  const auth = inject(AuthService);
  return auth.agent ? true : inject(Router).createUrlTree(['/login']);
};

/** Admins only; other agents are sent to the tickets list. */
export const adminGuard: CanActivateFn = () => {
  const auth = inject(AuthService);
  if (!auth.agent) return inject(Router).createUrlTree(['/login']);
  return auth.isAdmin ? true : inject(Router).createUrlTree(['/tickets']);
};
