export async function dbMigrateCommand(): Promise<void> {}
export async function dbStatusCommand(): Promise<number> { return 0; }
