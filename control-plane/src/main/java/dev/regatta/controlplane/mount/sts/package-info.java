/**
 * The STS proof a mount, renewal or unmount report carries, checked for shape, bound to its endpoint and sent to
 * STS to learn who signed it. Knows nothing of mounts: the mount package asks it and turns its refusals
 * ({@link dev.regatta.controlplane.mount.sts.ProofRefusedException}) into mount refusals.
 */
package dev.regatta.controlplane.mount.sts;
