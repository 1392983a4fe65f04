namespace PtLock;

/// <summary>The errno values the modelled functions return (negated, as in the kernel).</summary>
public static class Errno
{
    public const int ENOENT = 2;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EINVAL = 22;
}
