#[derive(clap::Args, Debug)]
pub struct TrainArgs {}

#[derive(clap::Args, Debug)]
pub struct EvalArgs {}

pub fn train(_args: TrainArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}

pub fn eval(_args: EvalArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
