// docs/SSMDialect.md is the dialect reference generated from the .td files;
// it must match what the build generates (run the update-ssm-doc target).
// RUN: diff -u %mamba_src_root/docs/SSMDialect.md %mamba_obj_root/dialect/include/ssm/IR/SSMDialect.md
