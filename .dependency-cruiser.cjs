/**
 * The rooms of src/ and the direction of their arrows, checked by test/architecture.test.ts.
 * A room may import only rooms on a lower tier; rooms on one tier do not import each other.
 * Tiers, top to bottom, with the reason each sits where it does:
 *
 *   1. entry     main.ts, server.ts, app.ts, accounts.ts: the composition root; builds and wires everything
 *   2. api/      HTTP: parses, calls a command or a read, writes the wire shape
 *   3. commands/ what a request asks the system to do; used by api/ (and the CLI through the entry)
 *   4. engine/   background work (scheduler, the leased runner, the webhook dispatcher), which runs
 *                what commands queued
 *   5. delivery/, research/, evaluation/: the kinds of work the engine leases out (webhook
 *                payloads and attempts, reading the web, scoring); peers that share nothing but what is below
 *   6. outbound/, store/: the two ways out of the process, HTTP and SQL; peers
 *   7. domain/   types, wire schemas and rules that every room speaks
 *   8. base      errors.ts (the error catalog) and metrics.ts (the Prometheus registry), used everywhere
 *
 * config.ts (with src/config/) stands aside: it is parsed at the edge and its type is read by entry, commands, engine
 * and delivery; it imports only parsers and defaults from research/, outbound/ and domain/. The
 * rooms below delivery take their settings as arguments and never import it.
 */
const TIERS = [
  { name: 'entry', rooms: ['^src/(main|server|app|accounts)\\.ts$'] },
  { name: 'api', rooms: ['^src/api/'] },
  { name: 'commands', rooms: ['^src/commands/'] },
  { name: 'engine', rooms: ['^src/engine/'] },
  { name: 'work', rooms: ['^src/delivery/', '^src/research/', '^src/evaluation/'] },
  { name: 'ways-out', rooms: ['^src/outbound/', '^src/store/'] },
  { name: 'domain', rooms: ['^src/domain/'] },
  { name: 'base', rooms: ['^src/(errors|metrics)\\.ts$'] },
];
const CONFIG = '^src/config(\\.ts$|/)';
const either = (patterns) => `(${patterns.join('|')})`;

/** One rule per tier: nothing on it imports a tier above it. */
const noUpward = TIERS.slice(1).map((tier, i) => ({
  name: `no-upward-from-${tier.name}`,
  comment: `${tier.name} sits below ${TIERS.slice(0, i + 1).map((t) => t.name).join(', ')}: it must not import them`,
  severity: 'error',
  from: { path: either(tier.rooms) },
  to: { path: either(TIERS.slice(0, i + 1).flatMap((t) => t.rooms)) },
}));

/** One rule per room that has peers: it imports none of them (a shared piece moves a tier down). */
const noSideways = TIERS.filter((t) => t.rooms.length > 1).flatMap((tier) => tier.rooms.map((room) => ({
  name: `no-sideways-from-${room.replace(/[^a-z]/g, '')}`,
  comment: `peers on the ${tier.name} tier do not import each other`,
  severity: 'error',
  from: { path: room },
  to: { path: either(tier.rooms.filter((r) => r !== room)) },
})));

/**
 * Inside research/, the readers by consumer: items/ (what a watched source holds, read as items) is
 * the bottom; fields/ (task output fields) and detect/ (what is new) read items but not each other;
 * processors/, isolate/ and findall/ sit above them. A piece two of them need sits at research/'s root.
 */
const RESEARCH_ABOVE_ITEMS = ['fields', 'detect', 'isolate', 'findall', 'processors'];
const researchRoom = (room) => `^src/research/${room}/`;
const researchBelow = [
  { room: 'items', above: RESEARCH_ABOVE_ITEMS },
  { room: 'fields', above: RESEARCH_ABOVE_ITEMS.filter((r) => r !== 'fields') },
  { room: 'detect', above: RESEARCH_ABOVE_ITEMS.filter((r) => r !== 'detect') },
].map(({ room, above }) => ({
  name: `research-${room}-reads-below`,
  comment: `research/${room}/ imports no research room above it or beside it (${above.join(', ')})`,
  severity: 'error',
  from: { path: researchRoom(room) },
  to: { path: either(above.map(researchRoom)) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'no import circles anywhere in src/: the shared piece moves into the lower module or a small file of its own',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...noUpward,
    ...noSideways,
    ...researchBelow,
    {
      name: 'config-from-above-only',
      comment: 'research/, evaluation/, outbound/, store/, domain/ and base take settings as arguments',
      severity: 'error',
      from: { path: either([...TIERS.slice(4).flatMap((t) => t.rooms)].filter((r) => r !== '^src/delivery/')) },
      to: { path: CONFIG },
    },
    {
      name: 'config-imports-parsers-only',
      comment: 'config.ts takes parsers and defaults from research/, outbound/ and domain/, nothing higher',
      severity: 'error',
      from: { path: CONFIG },
      to: { path: either(TIERS.slice(0, 5).flatMap((t) => t.rooms).filter((r) => r !== '^src/research/' && r !== '^src/evaluation/')) },
    },
  ],
  options: {
    // Type-only imports are arrows too: a type from a higher room ties the lower one to it.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // Unit tests beside the code may import whatever they test.
    exclude: { path: '\\.test\\.ts$' },
  },
};
