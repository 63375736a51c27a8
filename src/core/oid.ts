/** Git's all-zero object id: "no object" in hook arguments (a new branch, a deletion, a fresh clone's checkout). */
export const isZeroOid = (oid: string) => /^0+$/.test(oid);
