// placeholder replaced below once the store API lands
export async function doctorCommand(): Promise<number> { return 0; }
