import { Component, effect, inject } from '@angular/core';
import { RouterOutlet } from '@angular/router';

import { ConfigService } from './core/config.service';
import { I18nService } from './core/i18n.service';

@Component({
  selector: 'app-root',
  imports: [RouterOutlet],
  template: '<router-outlet />',
})
export class App {
  constructor() {
    // Created at start so the configuration loads and the page language follows it.
    inject(ConfigService);
    const i18n = inject(I18nService);
    effect(() => (document.documentElement.lang = i18n.language()));
  }
}
