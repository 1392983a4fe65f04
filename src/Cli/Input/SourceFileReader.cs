using System.Text;

namespace PtLock.Cli.Input;

/// <summary>Reads source files, remembering their encoding so a rewrite keeps it byte for byte where untouched.</summary>
internal static class SourceFileReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static SourceFile Read(string fullPath, string displayPath)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"cannot read '{displayPath}': {e.Message}", e);
        }
        var (encoding, bomLength) = DetectEncoding(bytes);
        string text = encoding.GetString(bytes, bomLength, bytes.Length - bomLength);
        return new SourceFile(fullPath, displayPath, text, encoding);
    }

    /// <summary>
    /// A byte-order mark decides; without one the file is taken as UTF-8 (what the compiler assumes), and
    /// bytes that are not valid UTF-8 as Latin-1, which maps every byte to one character and back, so
    /// writing the file again cannot corrupt what the fix did not change.
    /// </summary>
    private static (Encoding Encoding, int BomLength) DetectEncoding(byte[] bytes)
    {
        if (StartsWith(bytes, 0xEF, 0xBB, 0xBF))
            return (new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 3);
        if (StartsWith(bytes, 0xFF, 0xFE, 0x00, 0x00))
            return (new UTF32Encoding(bigEndian: false, byteOrderMark: true), 4);
        if (StartsWith(bytes, 0x00, 0x00, 0xFE, 0xFF))
            return (new UTF32Encoding(bigEndian: true, byteOrderMark: true), 4);
        if (StartsWith(bytes, 0xFF, 0xFE))
            return (new UnicodeEncoding(bigEndian: false, byteOrderMark: true), 2);
        if (StartsWith(bytes, 0xFE, 0xFF))
            return (new UnicodeEncoding(bigEndian: true, byteOrderMark: true), 2);
        try
        {
            StrictUtf8.GetCharCount(bytes);
            return (new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 0);
        }
        catch (DecoderFallbackException)
        {
            return (Encoding.Latin1, 0);
        }
    }

    private static bool StartsWith(byte[] bytes, params byte[] prefix) => bytes.AsSpan().StartsWith(prefix);
}
