"""Job metrics across backends: one :class:`~.record.JobRecord` per job attempt.

Modules: ``units`` (parsing), ``record`` (the model), ``runlog`` (Snakemake's run log),
``local`` (benchmark files), ``slurm`` (sacct), ``kubernetes`` (Job/pod status), ``collect``
(orchestration), ``summary``, ``report`` (HTML + PNG), ``tune`` (proposals, YAML edit),
``logs`` (finding job logs), ``recordio`` (JSON lines / CSV), ``requested`` (backend YAML).
"""
