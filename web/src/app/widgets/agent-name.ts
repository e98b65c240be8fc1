import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';

import { AgentsService } from '../core/agents.service';

/** An agent's name from the directory; else the name the answer carried (`known`: an API
 * token, or before the directory is loaded); else the start of its id. */
@Component({
  selector: 'app-agent-name',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `{{ name() }}`,
})
export class AgentName {
  private readonly agents = inject(AgentsService);
  private readonly directory = toSignal(this.agents.agents$, { initialValue: [] });
  readonly id = input<string | null | undefined>(null);
  readonly known = input<string | null | undefined>(null);

  protected readonly name = computed(() => {
    const id = this.id();
    const listed = this.directory().some((entry) => entry.id === id);
    return listed ? this.agents.name(id) : (this.known() ?? this.agents.name(id));
  });
}
