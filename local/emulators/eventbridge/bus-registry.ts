import { PatternSet } from '#core/patterns/index.js';
import { EventArchive } from './archive.js';
import { archiveArn, busArn, busNameOf, DEFAULT_BUS, ruleArn, type Partition } from './arns.js';
import {
  alreadyExists,
  busNotFound,
  limitExceeded,
  resourceNotFound,
  ruleNotFound,
  validationError,
} from './errors.js';
import { assertValidTargetInput } from './target-input.js';
import { compileRulePattern, patternText } from './test-event-pattern.js';
import type {
  ArchiveDescription,
  CreateArchiveInput,
  EventBusDescription,
  PutRuleInput,
  PutTargetsInput,
  PutTargetsResult,
  RuleDescription,
  RuleState,
  Target,
} from './types.js';

const MAX_TARGETS_PER_RULE = 5;
const NAME = /^[.\-_A-Za-z0-9]+$/;
const RULE_STATES: readonly RuleState[] = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'];

export interface Rule {
  readonly name: string;
  readonly arn: string;
  readonly busName: string;
  pattern?: string;
  scheduleExpression?: string;
  state: RuleState;
  description?: string;
  roleArn?: string;
  /** Insertion-ordered; ListTargetsByRule and delivery follow this order. */
  readonly targets: Map<string, Target>;
}

export interface Bus {
  readonly name: string;
  readonly arn: string;
  description?: string;
  readonly creationTime: Date;
  lastModifiedTime: Date;
  /** Insertion-ordered, so matched rules are delivered in creation order. */
  readonly rules: Map<string, Rule>;
  /** Compiled patterns of the enabled rules; rebuilt lazily after any rule change. */
  matcher?: PatternSet<Rule>;
}

/**
 * Buses, rules, targets and archives, with EventBridge's validation and errors. Knows nothing
 * of delivery: {@link rulesMatching} tells which rules an event hits, once per bus.
 */
export class BusRegistry {
  private readonly buses = new Map<string, Bus>();
  private readonly archives = new Map<string, EventArchive>();

  constructor(
    private readonly partition: Partition,
    private readonly now: () => number,
    private readonly maxPatternLength?: number,
  ) {
    this.addBus(DEFAULT_BUS);
  }

  // ---- buses

  createEventBus(name: string, description?: string): { EventBusArn: string } {
    assertName(name, 'name', 256);
    if (this.buses.has(name)) throw alreadyExists(`Event bus ${name} already exists.`);
    const bus = this.addBus(name);
    bus.description = description;
    return { EventBusArn: bus.arn };
  }

  describeEventBus(nameOrArn?: string): EventBusDescription {
    return describeBus(this.bus(nameOrArn));
  }

  listEventBuses(namePrefix = ''): EventBusDescription[] {
    return [...this.buses.values()].filter((bus) => bus.name.startsWith(namePrefix)).map(describeBus);
  }

  deleteEventBus(name: string): void {
    if (busNameOf(name) === DEFAULT_BUS) throw validationError('Cannot delete event bus default.');
    this.buses.delete(busNameOf(name));
  }

  /** The bus by name or ARN, or undefined (PutEvents drops events for unknown buses). */
  findBus(nameOrArn?: string): Bus | undefined {
    return this.buses.get(busNameOf(nameOrArn));
  }

  // ---- rules

  putRule(input: PutRuleInput): { RuleArn: string } {
    assertName(input.Name, 'name', 64);
    const bus = this.bus(input.EventBusName);
    if (input.EventPattern === undefined && input.ScheduleExpression === undefined) {
      throw validationError('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    }
    if (input.ScheduleExpression !== undefined && bus.name !== DEFAULT_BUS) {
      throw validationError('ScheduleExpression is supported only on the default event bus.');
    }
    if (input.State !== undefined && !RULE_STATES.includes(input.State)) {
      throw validationError(
        `1 validation error detected: Value '${String(input.State)}' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [${RULE_STATES.join(', ')}]`,
      );
    }
    const pattern = input.EventPattern === undefined ? undefined : patternText(input.EventPattern);
    if (pattern !== undefined) compileRulePattern(pattern, this.maxPatternLength);
    const existing = bus.rules.get(input.Name);
    const rule: Rule = existing ?? {
      name: input.Name,
      arn: ruleArn(this.partition, bus.name, input.Name),
      busName: bus.name,
      state: 'ENABLED',
      targets: new Map(),
    };
    rule.pattern = pattern;
    rule.scheduleExpression = input.ScheduleExpression;
    rule.state = input.State ?? 'ENABLED';
    rule.description = input.Description;
    rule.roleArn = input.RoleArn;
    bus.rules.set(rule.name, rule);
    bus.matcher = undefined;
    return { RuleArn: rule.arn };
  }

  describeRule(name: string, busNameOrArn?: string): RuleDescription {
    return this.describe(this.rule(name, busNameOrArn));
  }

  listRules(options: { EventBusName?: string; NamePrefix?: string } = {}): RuleDescription[] {
    const prefix = options.NamePrefix ?? '';
    return [...this.bus(options.EventBusName).rules.values()]
      .filter((rule) => rule.name.startsWith(prefix))
      .map((rule) => this.describe(rule));
  }

  setRuleState(name: string, busNameOrArn: string | undefined, state: 'ENABLED' | 'DISABLED'): void {
    const rule = this.rule(name, busNameOrArn);
    rule.state = state;
    this.bus(busNameOrArn).matcher = undefined;
  }

  deleteRule(name: string, busNameOrArn?: string, force = false): void {
    const bus = this.bus(busNameOrArn);
    const rule = bus.rules.get(name);
    if (!rule) return;
    if (rule.targets.size > 0 && !force) throw validationError("Rule can't be deleted since it has targets.");
    bus.rules.delete(name);
    bus.matcher = undefined;
  }

  // ---- targets

  putTargets(input: PutTargetsInput): PutTargetsResult {
    const rule = this.rule(input.Rule, input.EventBusName);
    // The API wants 1..10 (checked by the HTTP layer); a template's rule may have no targets.
    if (!Array.isArray(input.Targets) || input.Targets.length > 10) {
      throw validationError(
        "1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and 10",
      );
    }
    for (const target of input.Targets) {
      assertName(target.Id, 'targets.member.id', 64);
      if (typeof target.Arn !== 'string' || target.Arn === '') {
        throw validationError(
          "1 validation error detected: Value null at 'targets.member.arn' failed to satisfy constraint: Member must not be null",
        );
      }
      assertValidTargetInput(target);
    }
    const ids = new Set([...rule.targets.keys(), ...input.Targets.map((target) => target.Id)]);
    if (ids.size > MAX_TARGETS_PER_RULE) throw limitExceeded();
    for (const target of input.Targets) rule.targets.set(target.Id, { ...target });
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  listTargetsByRule(ruleName: string, busNameOrArn?: string): Target[] {
    return [...this.rule(ruleName, busNameOrArn).targets.values()].map((target) => ({ ...target }));
  }

  removeTargets(ruleName: string, busNameOrArn: string | undefined, ids: readonly string[]): PutTargetsResult {
    const rule = this.rule(ruleName, busNameOrArn);
    for (const id of ids) rule.targets.delete(id);
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  // ---- matching

  /** Rules of `bus` whose pattern matches `event`, enabled only, in creation order; one pass over the compiled set. */
  rulesMatching(bus: Bus, event: unknown): Rule[] {
    // Keyed by the rule itself, so matching costs one pass over the compiled set, not a scan of every rule.
    bus.matcher ??= new PatternSet(
      [...bus.rules.values()]
        .filter((rule) => rule.state !== 'DISABLED' && rule.pattern !== undefined)
        .map((rule) => ({ key: rule, pattern: rule.pattern as string })),
      this.maxPatternLength === undefined ? undefined : { maxLength: this.maxPatternLength },
    );
    return bus.matcher.size === 0 ? [] : bus.matcher.matching(event);
  }

  // ---- archives

  createArchive(input: CreateArchiveInput): { ArchiveArn: string; State: 'ENABLED'; CreationTime: Date } {
    assertName(input.ArchiveName, 'archiveName', 48);
    if (this.archives.has(input.ArchiveName)) throw alreadyExists(`Archive ${input.ArchiveName} already exists.`);
    if (typeof input.EventSourceArn !== 'string' || !input.EventSourceArn.startsWith('arn:')) {
      throw validationError(
        "1 validation error detected: Value at 'eventSourceArn' failed to satisfy constraint: Member must be an event bus ARN",
      );
    }
    const bus = this.findBus(input.EventSourceArn);
    if (!bus) throw resourceNotFound(`Event bus ${busNameOf(input.EventSourceArn)} does not exist.`);
    const pattern = input.EventPattern === undefined ? undefined : patternText(input.EventPattern);
    const creationTime = new Date(this.now());
    const archive = new EventArchive(
      {
        ArchiveName: input.ArchiveName,
        ArchiveArn: archiveArn(this.partition, input.ArchiveName),
        EventSourceArn: bus.arn,
        EventPattern: pattern,
        Description: input.Description,
        RetentionDays: input.RetentionDays ?? 0,
        CreationTime: creationTime,
      },
      pattern === undefined ? undefined : compileRulePattern(pattern, this.maxPatternLength),
    );
    this.archives.set(input.ArchiveName, archive);
    return { ArchiveArn: archive.description.ArchiveArn, State: 'ENABLED', CreationTime: creationTime };
  }

  archive(name: string): EventArchive {
    const archive = this.archives.get(name);
    if (!archive) throw resourceNotFound(`Archive ${name} does not exist.`);
    return archive;
  }

  listArchives(options: { NamePrefix?: string; EventSourceArn?: string } = {}): ArchiveDescription[] {
    return [...this.archives.values()]
      .map((archive) => archive.describe())
      .filter(
        (archive) =>
          archive.ArchiveName.startsWith(options.NamePrefix ?? '') &&
          (options.EventSourceArn === undefined || archive.EventSourceArn === options.EventSourceArn),
      );
  }

  deleteArchive(name: string): void {
    this.archive(name);
    this.archives.delete(name);
  }

  /** Archives fed by `bus`. */
  archivesOf(bus: Bus): EventArchive[] {
    return [...this.archives.values()].filter((archive) => archive.description.EventSourceArn === bus.arn);
  }

  // ---- helpers

  private addBus(name: string): Bus {
    const created = new Date(this.now());
    const bus: Bus = {
      name,
      arn: busArn(this.partition, name),
      creationTime: created,
      lastModifiedTime: created,
      rules: new Map(),
    };
    this.buses.set(name, bus);
    return bus;
  }

  private bus(nameOrArn?: string): Bus {
    const bus = this.findBus(nameOrArn);
    if (!bus) throw busNotFound(busNameOf(nameOrArn));
    return bus;
  }

  private rule(name: string, busNameOrArn?: string): Rule {
    const bus = this.bus(busNameOrArn);
    const rule = bus.rules.get(name);
    if (!rule) throw ruleNotFound(name, bus.name);
    return rule;
  }

  private describe(rule: Rule): RuleDescription {
    return {
      Name: rule.name,
      Arn: rule.arn,
      EventPattern: rule.pattern,
      ScheduleExpression: rule.scheduleExpression,
      State: rule.state,
      Description: rule.description,
      RoleArn: rule.roleArn,
      EventBusName: rule.busName,
      CreatedBy: this.partition.accountId,
    };
  }
}

function describeBus(bus: Bus): EventBusDescription {
  return {
    Name: bus.name,
    Arn: bus.arn,
    Description: bus.description,
    CreationTime: bus.creationTime,
    LastModifiedTime: bus.lastModifiedTime,
  };
}

function assertName(value: unknown, member: string, maxLength: number): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw validationError(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (value.length > maxLength) {
    throw validationError(
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${maxLength}`,
    );
  }
  if (!NAME.test(value)) {
    throw validationError(
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+`,
    );
  }
}
