/**
 * Lost and double-counted denials over a series of IRSA runs, checked two ways:
 *
 * - by group: the counts the findings report (`finding.irsa.count`, summed over the runs) against what was
 *   seeded per group. This is what an operator sees, but a lost event and one counted twice in the same group
 *   cancel out;
 * - by event id: which events each run counted, rebuilt from the ids the stub served in that run minus the ids
 *   the stored watermark remembered before it (the checker drops those as already counted, and each id counts
 *   once per run). An id no run counted is lost, an id counted by two runs is counted twice.
 *
 * The rebuilt counts must equal what the findings reported, group by group and run by run; a difference means
 * the rebuild does not describe the checker's behaviour and is reported, so the id-level figures never vouch
 * for counts they did not explain.
 */

export interface IrsaRunObservation {
  /** Event ids in the pages served to this run, in order (re-reads included). */
  readonly servedIds: readonly string[];
  /** `recentEventIds` of the watermark stored before this run. */
  readonly rememberedIds: ReadonlySet<string>;
  /** `finding.irsa.count` by group (subject), as this run's findings reported them. */
  readonly reportedByGroup: ReadonlyMap<string, number>;
}

export interface LossTally {
  readonly lost: number;
  readonly countedTwice: number;
}

export interface IrsaTally extends LossTally {
  readonly byGroup: LossTally;
  readonly byEventId: LossTally;
  /** One line per (run, group) whose rebuilt count differs from the reported one, or per unknown id. */
  readonly mismatches: readonly string[];
}

/** `seeded` maps every seeded event id to its group. */
export function tallyIrsaRuns(
  seeded: ReadonlyMap<string, string>,
  runs: readonly IrsaRunObservation[],
): IrsaTally {
  const mismatches: string[] = [];
  const timesCounted = new Map<string, number>();
  const reportedTotal = new Map<string, number>();
  runs.forEach((run, index) => {
    const counted = new Set<string>();
    for (const id of run.servedIds) if (!run.rememberedIds.has(id)) counted.add(id);
    const rebuilt = new Map<string, number>();
    for (const id of counted) {
      timesCounted.set(id, (timesCounted.get(id) ?? 0) + 1);
      const group = seeded.get(id);
      if (group === undefined) mismatches.push(`run ${index + 1}: served event ${id} was never seeded`);
      else rebuilt.set(group, (rebuilt.get(group) ?? 0) + 1);
    }
    for (const group of new Set([...rebuilt.keys(), ...run.reportedByGroup.keys()])) {
      const reported = run.reportedByGroup.get(group) ?? 0;
      reportedTotal.set(group, (reportedTotal.get(group) ?? 0) + reported);
      if (reported !== (rebuilt.get(group) ?? 0))
        mismatches.push(
          `run ${index + 1}: ${group} reported ${reported}, rebuilt ${rebuilt.get(group) ?? 0}`,
        );
    }
  });

  const seededPerGroup = new Map<string, number>();
  for (const group of seeded.values()) seededPerGroup.set(group, (seededPerGroup.get(group) ?? 0) + 1);
  const byGroup = { lost: 0, countedTwice: 0 };
  for (const group of new Set([...seededPerGroup.keys(), ...reportedTotal.keys()])) {
    const difference = (reportedTotal.get(group) ?? 0) - (seededPerGroup.get(group) ?? 0);
    if (difference < 0) byGroup.lost -= difference;
    else byGroup.countedTwice += difference;
  }
  const byEventId = { lost: 0, countedTwice: 0 };
  for (const id of seeded.keys()) if (!timesCounted.has(id)) byEventId.lost += 1;
  for (const times of timesCounted.values()) byEventId.countedTwice += times - 1;

  return {
    // The larger of the two: each check can miss what the other sees (cancelling counts, or a rebuild off track).
    lost: Math.max(byGroup.lost, byEventId.lost),
    countedTwice: Math.max(byGroup.countedTwice, byEventId.countedTwice),
    byGroup,
    byEventId,
    mismatches,
  };
}
