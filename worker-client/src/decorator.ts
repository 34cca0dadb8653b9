/**
 * `@OasisJob('name')`: marks a method as the handler of a job handler name, for
 * `worker.register(instance)`.
 *
 * ```ts
 * class ReportJobs {
 *   @OasisJob('dailyReport')
 *   async daily(ctx: JobContext) { ctx.log('building'); return { rows: 42 }; }
 * }
 * worker.register(new ReportJobs());
 * ```
 *
 * Works as a standard (TC39, TypeScript 5+) method decorator, which needs no compiler flag, and
 * as a legacy `experimentalDecorators` one. The mark lives on the method function itself (a
 * module-level WeakMap), so `register()` finds it by walking the instance's prototype chain; it
 * needs no `Symbol.metadata` and no `reflect-metadata`.
 */
import type { JobContext } from './context.js';
import { HANDLER_NAME_PATTERN } from './contracts/names.js';

/** Method function → the handler name it was decorated with. */
const marks = new WeakMap<object, string>();

/** A method usable as a handler. */
type HandlerMethod = (this: unknown, ctx: JobContext) => unknown;

/** The decorator `OasisJob(name)` returns: standard and legacy signatures. */
export interface OasisJobDecorator {
  <This, M extends (this: This, ctx: JobContext) => unknown>(method: M, context: ClassMethodDecoratorContext<This, M>): void;
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): void;
}

function isStandardContext(value: unknown): value is ClassMemberDecoratorContext {
  return typeof value === 'object' && value !== null && 'kind' in value && 'name' in value;
}

/**
 * Marks a method as the handler of jobs whose handler name is `name`; `worker.register(instance)`
 * registers it, bound to the instance.
 * @throws {TypeError} at class definition when `name` is not 1..128 characters without spaces,
 * or when applied to something other than an instance method.
 */
export function OasisJob(name: string): OasisJobDecorator {
  if (typeof name !== 'string' || !HANDLER_NAME_PATTERN.test(name)) {
    throw new TypeError(`@OasisJob: handler name must be 1..128 characters without spaces (got ${JSON.stringify(name)})`);
  }
  return function decorate(first: unknown, second: unknown, third?: PropertyDescriptor): void {
    if (isStandardContext(second)) {
      if (second.kind !== 'method' || second.static) {
        throw new TypeError(`@OasisJob('${name}') must decorate an instance method (got a ${second.static ? 'static ' : ''}${second.kind} "${String(second.name)}")`);
      }
      mark(first, name, String(second.name));
      return;
    }
    // Legacy decorator: (prototype, key, descriptor).
    const fn = third?.value;
    if (typeof fn !== 'function' || typeof first === 'function') {
      throw new TypeError(`@OasisJob('${name}') must decorate an instance method (got "${String(second)}")`);
    }
    mark(fn, name, String(second));
  } as OasisJobDecorator;
}

function mark(fn: unknown, name: string, member: string): void {
  if (typeof fn !== 'function') throw new TypeError(`@OasisJob('${name}'): "${member}" is not a method`);
  const previous = marks.get(fn);
  if (previous !== undefined && previous !== name) {
    throw new TypeError(`@OasisJob: method "${member}" is already the handler of "${previous}"; one name per method`);
  }
  marks.set(fn, name);
}

/** One decorated method found on an instance. */
export interface DecoratedHandler {
  /** The handler name given to `@OasisJob`. */
  name: string;
  /** The method's property name, for messages. */
  member: string;
  /** The method bound to the instance. */
  fn: (ctx: JobContext) => unknown;
}

/**
 * The `@OasisJob` methods of `instance`, bound to it, along its prototype chain. A method
 * overridden in a subclass counts as its most derived definition: decorate the override too if
 * it should stay a handler.
 * @throws {TypeError} when two methods claim the same handler name.
 */
export function decoratedHandlers(instance: object): DecoratedHandler[] {
  const seen = new Set<string | symbol>();
  const byName = new Map<string, DecoratedHandler>();
  for (let proto: object | null = instance; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const key of Reflect.ownKeys(proto)) {
      if (key === 'constructor' || seen.has(key)) continue;
      seen.add(key);
      const value = Object.getOwnPropertyDescriptor(proto, key)?.value as unknown;
      if (typeof value !== 'function') continue;
      const name = marks.get(value);
      if (name === undefined) continue;
      const member = String(key);
      const other = byName.get(name);
      if (other !== undefined) {
        throw new TypeError(`@OasisJob('${name}') is on two methods of ${className(instance)}: "${other.member}" and "${member}"`);
      }
      byName.set(name, { name, member, fn: (value as HandlerMethod).bind(instance) });
    }
  }
  return [...byName.values()];
}

/** The class name of an instance, for messages. */
export function className(instance: object): string {
  const ctor = (instance as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'the object';
}
